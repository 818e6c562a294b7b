# base-packages remove: nothing. The tools stay installed (people and scripts come to rely on
# them); 'apt remove' them by hand.
:
