/* Windows file names to Linux paths (the rule is in path.h). */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "path.h"
#include "inject.h"

static BOOL is_separator(char c)
{
    return c == '\\' || c == '/';
}

/* The directory drive letter maps to, as a pointer into W32MEM_DRIVES (or a
 * literal) and a length; FALSE if the drive is not mapped. */
static BOOL drive_directory(char letter, const char **directory, size_t *length)
{
    const char *drives = getenv("W32MEM_DRIVES");
    letter = (char)toupper((unsigned char)letter);
    for (const char *entry = drives; entry && *entry;) {
        const char *end = strchr(entry, ';');
        size_t entry_length = end ? (size_t)(end - entry) : strlen(entry);
        if (entry_length >= 2 && toupper((unsigned char)entry[0]) == letter && entry[1] == '=') {
            *directory = entry + 2;
            *length = entry_length - 2;
            return TRUE;
        }
        entry = end ? end + 1 : NULL;
    }
    if (letter == 'C') {
        *directory = "/";
        *length = 1;
        return TRUE;
    }
    return FALSE;
}

char *path_from_windows(const char *name)
{
    if (!name || !*name) {
        failure(ERROR_PATH_NOT_FOUND);
        return NULL;
    }
    if (is_separator(name[0]) && is_separator(name[1])) {
        if ((name[2] == '?' || name[2] == '.') && is_separator(name[3]) && isalpha((unsigned char)name[4]) &&
            name[5] == ':') {
            name += 4;
        } else {
            failure(ERROR_BAD_NETPATH);
            return NULL;
        }
    }

    const char *prefix = "";
    size_t prefix_length = 0;
    const char *rest = name;
    if (isalpha((unsigned char)name[0]) && name[1] == ':') {
        if (!drive_directory(name[0], &prefix, &prefix_length)) {
            failure(ERROR_PATH_NOT_FOUND);
            return NULL;
        }
        rest = name + 2;
    } else if (is_separator(name[0])) {
        drive_directory('C', &prefix, &prefix_length);
    }
    while (is_separator(*rest) && prefix_length)
        rest++;

    size_t rest_length = strlen(rest);
    char *path = malloc(prefix_length + 1 + rest_length + 1);
    if (!path) {
        failure(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    memcpy(path, prefix, prefix_length);
    size_t at = prefix_length;
    if (prefix_length && path[at - 1] != '/' && rest_length)
        path[at++] = '/';
    for (size_t i = 0; i < rest_length; i++)
        path[at++] = rest[i] == '\\' ? '/' : rest[i];
    path[at] = '\0';
    return path;
}
