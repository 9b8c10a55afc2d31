/* File objects: what a CreateFile handle names.  The mapping code needs the
 * descriptor, the access the handle was opened with, and the count of
 * mappings that keep the file from shrinking. */
#ifndef W32MEM_FILE_H
#define W32MEM_FILE_H

#include <sys/types.h>
#include <windows.h>

#include "handle.h"

struct file_object {
    struct object header;
    int fd;
    BOOL delete_on_close;
    char *path;                 /* the Linux path, for FILE_FLAG_DELETE_ON_CLOSE */
    dev_t device;               /* identity of the file the path named at open */
    ino_t inode;
    long mappings;              /* atomic: file mappings made from this object */
};

/* The file object a handle names, with a reference the caller drops with
 * object_unref, or NULL with ERROR_INVALID_HANDLE.  access_out may be NULL. */
struct file_object *file_lookup(HANDLE handle, ACCESS_MASK *access_out);

#endif
