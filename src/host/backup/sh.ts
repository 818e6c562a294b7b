import { scriptsBeside } from "../../step/scripts.js";

/** The text of a file that lives beside this module (src/host/backup/NAME; `host/NAME` for what is installed on the host). */
export const backupSh = scriptsBeside(import.meta.url);
