/* Windows file names in unmodified programs, turned into Linux paths by one
 * rule the user can configure:
 *
 *   - '\' and '/' both separate components (as on Windows);
 *   - "X:\rest" and "X:rest" name rest inside the directory drive letter X is
 *     mapped to by the environment variable W32MEM_DRIVES, a list such as
 *     "C=/srv/c;D=/mnt/data" (letters in either case, entries separated by
 *     ';').  Drive C is "/" unless the variable maps it; any other unmapped
 *     drive does not exist (ERROR_PATH_NOT_FOUND);
 *   - "\rest" (rooted, no drive) is rest on drive C, so "/tmp/x" stays /tmp/x;
 *   - "\\?\X:\rest" is "X:\rest"; UNC names "\\server\share" fail with
 *     ERROR_BAD_NETPATH;
 *   - every other name is relative to the current directory and stays so. */
#ifndef W32MEM_PATH_H
#define W32MEM_PATH_H

#include <windows.h>

/* A malloc'ed Linux path, or NULL with the last error set. */
char *path_from_windows(const char *name);

#endif
