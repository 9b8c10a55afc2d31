/* Named kernel objects shared between processes, without a server.
 *
 * Each user has a private directory /dev/shm/w32mem-<uid> (mode 0700, checked
 * to be a real directory owned by the user).  A named object is one file in
 * it, mode 0600, whose name encodes the Windows name so that nothing can
 * escape the directory ('/', "..", control bytes and long names are encoded;
 * very long names are hashed and the full name is kept inside and compared).
 * The file starts with a struct ns_header; the object type's own data
 * follows.
 *
 * Lifetime rides on flock(2), which the kernel drops when a process dies:
 *   - every process that holds at least one handle to the object holds a
 *     shared lock on its own open file description of the file;
 *   - a new object is built in an unnamed O_TMPFILE file, locked, and only
 *     then linked under its name (linkat fails if the name exists), so no
 *     one ever sees a half-made object;
 *   - whoever can take the exclusive lock is the only holder left: a process
 *     closing its last handle that gets it unlinks the name; an opener that
 *     gets it has found a stale name (its holders died) and unlinks it;
 *   - an opener that got its shared lock re-checks that the file is still
 *     linked (st_nlink), since the last holder may have unlinked it in
 *     between; then it retries.
 * The data stays alive while any process still has it mapped (a view
 * outlives every handle, as on Windows), but the name goes with the last
 * handle.  A name whose last holder was killed is reclaimed by the next
 * process that opens the namespace (every process sweeps it once). */
#ifndef W32MEM_NAMESPACE_H
#define W32MEM_NAMESPACE_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include <windows.h>

#define NS_MAGIC 0x31626f6d656d3233ULL      /* "23memob1" */
#define NS_NAME_BYTES 1024                  /* a MAX_PATH name in UTF-8, with room */

/* Object types that share the namespace (Windows keeps one namespace for
 * sections, events, mutexes...: a name of another type is an error). */
#define NS_TYPE_SECTION 1

struct ns_header {
    uint64_t magic;
    uint32_t type;
    uint32_t name_length;
    char name[NS_NAME_BYTES];   /* the full name after its namespace prefix */
};

/* Where an object's own data starts in its file. */
#define NS_DATA_OFFSET ((sizeof(struct ns_header) + 63) & ~(size_t)63)

struct ns_entry {
    int fd;                     /* holds the shared lock while handles are open */
    char key[NAME_MAX + 1];     /* the file's name in the directory */
};

/* Validates a Windows object name and turns it into entry->key.  FALSE with
 * ERROR_PATH_NOT_FOUND (a '\' outside the Local\ or Global\ prefix),
 * ERROR_FILENAME_EXCED_RANGE (longer than MAX_PATH), ERROR_INVALID_NAME. */
BOOL ns_name(const char *name, struct ns_entry *entry, struct ns_header *header);

/* Opens the object of the given type named by entry and name (both from
 * ns_name), or, when init is not NULL and there is none, creates it: a file
 * of file_size bytes starting with the init_size bytes of init (which begin
 * with name's header, its type set).  On success entry->fd holds the shared
 * lock and *existed tells which happened.  FALSE with ERROR_FILE_NOT_FOUND
 * (an open of an absent name), ERROR_INVALID_HANDLE (the name belongs to an
 * object of another type), ERROR_ACCESS_DENIED (not an object this user
 * made), or a system error. */
BOOL ns_acquire(struct ns_entry *entry, const struct ns_header *name, uint32_t type,
                const void *init, size_t init_size, off_t file_size, BOOL *existed);

/* This process's last handle is gone: unlink the name if no other process
 * holds one, and drop the lock.  The descriptor stays open (views may still
 * map it); the caller closes it. */
void ns_release(struct ns_entry *entry);

/* ns_release for a descriptor nothing else refers to (no view maps it), then
 * closes it: closing drops the lock, a system call fewer. */
void ns_release_and_close(struct ns_entry *entry);

/* The per-user directory (for tests and diagnostics), or NULL. */
const char *ns_directory(void);

#endif
