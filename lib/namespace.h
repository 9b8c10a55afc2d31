/* Named kernel objects shared between processes, without a server and
 * without anything on disk.
 *
 * A named object is two kernel objects, and nothing else:
 *   - its contents, in a memfd (the type's own data), which the kernel
 *     frees when the last descriptor and the last mapping of it go;
 *   - its name, a listening Unix stream socket bound in the abstract
 *     namespace at "w32mem-<euid>/<encoded name>".  Every process holding a
 *     handle to the object holds a descriptor of this one socket (the same
 *     open file description), so the kernel keeps the name bound exactly
 *     while some process holds a handle, and unbinds it when the last
 *     holder closes it, exits, is killed or crashes.  Nothing is left over:
 *     abstract names have no file, and the memfd has no name.
 *
 * What the object is -- a header naming it, then the type's description --
 * every holder keeps in its own memory, not in the memfd: creating an
 * object then writes nothing into it (no system call, no page for a
 * header), and opening one reads nothing from it.
 *
 * Creating is binding: bind(2) fails if the name is bound, so exactly one
 * creator wins, and the object is complete (its memfd sized and its
 * contents written) before it listens.  Opening is connecting: every holder
 * process runs one small thread that accepts on the names it holds and
 * answers a connection from a process of the same user (SO_PEERCRED) with
 * the description, carrying both descriptors (SCM_RIGHTS); the opener is
 * then a holder too.  The opener first checks
 * that the socket it reached was put up by its own user, so a name another
 * user squats is an error (ERROR_ACCESS_DENIED), never that user's object;
 * so is a name bound by a socket that does not listen for half a second,
 * or one of this user's sockets that accepts but sends no object within
 * ten seconds, or sends one with less or more than a whole description
 * (whose header gives its size).
 *
 * The data stays alive while any process still maps the memfd (a view
 * outlives every handle, as on Windows), but the name goes with the last
 * handle (fact 124).
 *
 * Why a thread: an opener must end up holding the very socket that carries
 * the name, and only a holder can give it one.  Reopening
 * /proc/<pid>/fd/<n> works for a memfd but not for a socket; pidfd_getfd
 * needs ptrace-attach rights, which Yama (ptrace_scope >= 1) refuses
 * between sibling processes.  Abstract names belong to the network
 * namespace: processes of one user in different network namespaces do not
 * share names. */
#ifndef W32MEM_NAMESPACE_H
#define W32MEM_NAMESPACE_H

#include <stdint.h>
#include <sys/types.h>
#include <windows.h>

#define NS_MAGIC 0x32626f6d656d3233ULL      /* "23memob2": the description comes with the answer */
#define NS_NAME_BYTES 1024                  /* a MAX_PATH name in UTF-8, with room */
#define NS_DESCRIPTION_BYTES 8192           /* the most an object's description may take */
#define NS_KEY_BYTES 108                    /* an abstract socket address, with its NUL */

/* Object types that share the namespace (Windows keeps one namespace for
 * sections, events, mutexes...: a name of another type is an error). */
#define NS_TYPE_SECTION 1

struct ns_header {
    uint64_t magic;
    uint32_t type;
    uint32_t name_length;
    /* The whole description's bytes, set by namespace.c: an answer cut
     * short, or longer than it says, is not one of ours. */
    uint32_t description_size;
    char name[NS_NAME_BYTES];   /* the full name after its namespace prefix */
};

/* Where the type's own part of a description starts (and where its data
 * may start in the memfd, which then has the same layout). */
#define NS_DATA_OFFSET ((sizeof(struct ns_header) + 63) & ~(size_t)63)

struct ns_entry {
    int fd;                     /* the object's memfd */
    int name_fd;                /* the name's socket, while this process holds it */
    char key[NS_KEY_BYTES];     /* the abstract address, without its leading NUL */
    /* The object's description, kept by namespace.c while this process
     * holds the name. */
    const void *description;
    size_t description_size;
};

/* Validates a Windows object name and turns it into entry->key.  FALSE with
 * ERROR_PATH_NOT_FOUND (a '\' outside the Local\ or Global\ prefix),
 * ERROR_FILENAME_EXCED_RANGE (longer than MAX_PATH), ERROR_INVALID_NAME. */
BOOL ns_name(const char *name, struct ns_entry *entry, struct ns_header *header);

/* Opens the object of the given type named by entry and name (both from
 * ns_name), or, when description is not NULL and there is none, creates
 * it: described by the description_size bytes of description (at most
 * NS_DESCRIPTION_BYTES, beginning with name's header, its type set), with a
 * memfd of file_size bytes that starts with the contents_size bytes of
 * contents (none when contents is NULL).  On success this process holds
 * the name, entry->description is the object's description, and *existed
 * tells which happened.  FALSE with ERROR_FILE_NOT_FOUND (an open of an
 * absent name), ERROR_INVALID_HANDLE (the name belongs to an object of
 * another type), ERROR_ACCESS_DENIED (the name is taken by something that
 * is not an object of this user), or a system error. */
BOOL ns_acquire(struct ns_entry *entry, const struct ns_header *name, uint32_t type,
                const void *description, size_t description_size, const void *contents, size_t contents_size,
                off_t file_size, BOOL *existed);

/* This process's last handle is gone: give up its hold on the name (which
 * goes if no other process holds it), and the description with it.  The
 * memfd stays open (views may still map it); the caller closes it. */
void ns_release(struct ns_entry *entry);

/* ns_release, then closes the memfd too (no view maps it). */
void ns_release_and_close(struct ns_entry *entry);

#endif
