/** Path helpers shared by the sandbox (what a trial may read) and the identity hashes (what it is). */
import { sep } from 'node:path';

/** Whether `path` is `folder` or lies under it (absolute, normalised paths). */
export const within = (path: string, folder: string): boolean => path === folder || path.startsWith(folder.endsWith(sep) ? folder : `${folder}${sep}`);
