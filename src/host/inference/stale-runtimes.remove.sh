# Nothing of its own: each service and runtime step removes what it wrote.
:
