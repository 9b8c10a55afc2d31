/* The handle table: HANDLE values that name reference-counted kernel objects.
 *
 * Every object type (the process, files, file mappings, ...) embeds a struct
 * object as its first member and supplies a struct object_type.  A handle holds
 * one reference; so does anything else that keeps the object alive (a mapped
 * view keeps its mapping object), which is why objects can outlive handles. */
#ifndef W32MEM_HANDLE_H
#define W32MEM_HANDLE_H

#include <windows.h>

struct object;

struct object_type {
    const char *name;
    /* What GENERIC_READ/WRITE/EXECUTE/ALL mean for this type, and every right
     * the type knows; handle access masks are always kept in specific rights. */
    ACCESS_MASK generic_read, generic_write, generic_execute, all_access;
    /* Called once, when the last reference goes; NULL for static objects. */
    void (*destroy)(struct object *object);
};

struct object {
    const struct object_type *type;
    long refcount;                      /* atomic */
};

/* Pseudo-handles, recognised by every function that takes a process handle. */
#define PSEUDO_HANDLE_PROCESS ((HANDLE)(LONG_PTR)-1)
#define PSEUDO_HANDLE_THREAD  ((HANDLE)(LONG_PTR)-2)

void object_init(struct object *object, const struct object_type *type);
struct object *object_ref(struct object *object);
void object_unref(struct object *object);

/* Turns GENERIC_* bits into the type's specific rights. */
ACCESS_MASK object_map_access(const struct object_type *type, ACCESS_MASK access);

/* A new handle holding its own reference to object, or NULL with the last
 * error set when the table is full. */
HANDLE handle_create(struct object *object, ACCESS_MASK access, DWORD flags);

/* The object a handle names, with a reference the caller must drop, or NULL
 * with ERROR_INVALID_HANDLE when the handle is not open or names an object of
 * another type (type NULL accepts any type).  access_out may be NULL. */
struct object *handle_lookup(HANDLE handle, const struct object_type *type,
                             ACCESS_MASK *access_out);

/* TRUE for GetCurrentProcess() and for real handles to the current process;
 * otherwise FALSE with ERROR_INVALID_HANDLE (there is no other process). */
BOOL process_handle_is_current(HANDLE process);

/* The number of open handles, for leak checks in tests. */
unsigned long handle_count(void);

#endif
