/* The per-user namespace of named objects (the protocol is in namespace.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "error.h"
#include "fork.h"
#include "namespace.h"
#include "inject.h"

/* A name that stays bound but never listens is not one of ours in the
 * middle of being made (that takes microseconds): after this long it is
 * treated as squatted. */
#define SQUAT_PATIENCE_MS 500

/* A holder answers within microseconds; a socket of this user that accepts
 * and never answers is not one of ours. */
#define ANSWER_PATIENCE_S 10

/* A name this process holds, indexed by its socket's descriptor. */
struct held_name {
    int object_fd;              /* 1 + the object's memfd; 0: no name at this descriptor */
    void *description;          /* what openers are told the object is */
    size_t description_size;
    /* The socket may have references outside this descriptor: it came from
     * another holder, was handed to an opener, or was copied by a fork.
     * Until then, closing the descriptor frees the socket, which takes it
     * out of the epoll without an EPOLL_CTL_DEL. */
    BOOL shared;
};

/* The names this process holds, and the thread that answers openers. */
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static struct held_name *held;
static int held_size;
static int poller = -1;         /* epoll of the held name sockets */
static BOOL answering;          /* the thread runs */

void namespace_names_fork_prepare(void) { pthread_mutex_lock(&names_lock); }

/* The child has copies of the name sockets until it closes them. */
void namespace_names_fork_parent(void)
{
    for (int fd = 0; fd < held_size; fd++)
        held[fd].shared = TRUE;
    pthread_mutex_unlock(&names_lock);
}

/* A forked child has no handles (Windows handles are never inherited by
 * fork): its copies of the name sockets must not keep names alive, and it
 * has no answering thread. */
void namespace_names_fork_child(void)
{
    for (int fd = 0; fd < held_size; fd++) {
        if (held[fd].object_fd)
            close(fd);
        free(held[fd].description);
        held[fd] = (struct held_name){ 0 };
    }
    if (poller >= 0)
        close(poller);
    poller = -1;
    answering = FALSE;
    pthread_mutex_unlock(&names_lock);
}

static uint64_t fnv1a(const char *text, uint64_t hash)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        hash = (hash ^ *p) * 0x100000001b3ULL;
    return hash;
}

BOOL ns_name(const char *name, struct ns_entry *entry, struct ns_header *header)
{
    char space = 'l';
    if (strncmp(name, "Global\\", 7) == 0) {
        space = 'g';
        name += 7;
    } else if (strncmp(name, "Local\\", 6) == 0) {
        name += 6;
    }
    size_t length = strlen(name);
    if (length >= NS_NAME_BYTES || length > MAX_PATH * 3)
        return failure(ERROR_FILENAME_EXCED_RANGE);
    if (strchr(name, '\\'))
        return failure(ERROR_PATH_NOT_FOUND);      /* no such object directory */

    memset(header, 0, sizeof(*header));
    header->magic = NS_MAGIC;
    header->name_length = (uint32_t)length;
    memcpy(header->name, name, length);

    int prefix = snprintf(entry->key, sizeof(entry->key), "w32mem-%lu/%c-", (unsigned long)geteuid(), space);
    char *out = entry->key + prefix;
    const char *limit = entry->key + sizeof(entry->key) - 4;   /* room for one %XX and the NUL */
    const unsigned char *p = (const unsigned char *)name;
    for (; *p && out < limit; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '_' || *p == '-' || *p == '.')
            *out++ = (char)*p;
        else
            out += sprintf(out, "%%%02X", *p);
    }
    *out = '\0';
    if (*p) {
        /* Too long for an address: the full name inside the object settles
         * any collision. */
        snprintf(entry->key + prefix - 1, sizeof(entry->key) - (size_t)prefix + 1, "#%016llx%016llx",
                 (unsigned long long)fnv1a(name, 0xcbf29ce484222325ULL),
                 (unsigned long long)fnv1a(name, 0x84222325cbf29ce4ULL));
    }
    entry->fd = -1;
    entry->name_fd = -1;
    entry->description = NULL;
    entry->description_size = 0;
    return TRUE;
}

static socklen_t address_of(const struct ns_entry *entry, struct sockaddr_un *address)
{
    size_t length = strlen(entry->key);
    memset(address, 0, sizeof(*address));
    address->sun_family = AF_UNIX;
    memcpy(address->sun_path + 1, entry->key, length);     /* sun_path[0] = 0: abstract */
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + length);
}

static BOOL peer_is_us(int socket_fd)
{
    struct ucred peer;
    socklen_t size = sizeof(peer);
    return getsockopt(socket_fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) == 0 && peer.uid == geteuid();
}

/* --- Answering openers ---------------------------------------------------- */

/* Hands an opener of our user the description, the name and the object;
 * called with names_lock held, so name_fd cannot be closed meanwhile. */
static void answer(int name_fd, struct held_name *name)
{
    int object_fd = name->object_fd - 1;
    for (;;) {
        int connection = accept4(name_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (connection < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return;
        }
        if (peer_is_us(connection)) {
            int fds[2] = { name_fd, object_fd };
            char control[CMSG_SPACE(sizeof(fds))];
            memset(control, 0, sizeof(control));
            struct iovec iov = { name->description, name->description_size };
            struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1,
                                      .msg_control = control, .msg_controllen = sizeof(control) };
            struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
            cmsg->cmsg_level = SOL_SOCKET;
            cmsg->cmsg_type = SCM_RIGHTS;
            cmsg->cmsg_len = CMSG_LEN(sizeof(fds));
            memcpy(CMSG_DATA(cmsg), fds, sizeof(fds));
            name->shared = TRUE;
            /* A fresh connection's buffer is empty and far larger than a
             * description: this never waits.  If it fails, the opener sees
             * the connection close and retries. */
            (void)sendmsg(connection, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        close(connection);
    }
}

static void *answer_openers(void *unused)
{
    (void)unused;
    struct epoll_event events[16];
    for (;;) {
        pthread_mutex_lock(&names_lock);
        int epoll_fd = poller;
        pthread_mutex_unlock(&names_lock);
        int count = epoll_wait(epoll_fd, events, 16, -1);
        if (count < 0 && errno != EINTR)
            return NULL;
        pthread_mutex_lock(&names_lock);
        for (int i = 0; i < count; i++) {
            int fd = events[i].data.fd;
            /* A name given up meanwhile left the table and the epoll; its
             * number may now be another name's, which is served rightly. */
            if (fd < held_size && held[fd].object_fd)
                answer(fd, &held[fd]);
        }
        pthread_mutex_unlock(&names_lock);
    }
}

/* Records that this process holds the name (shared: its socket came from
 * another holder), taking over the malloc'ed description on success;
 * called with names_lock held. */
static BOOL hold(int name_fd, int object_fd, BOOL shared, void *description, size_t description_size)
{
    if (name_fd >= held_size) {
        int size = name_fd + 64;
        struct held_name *grown = realloc(held, sizeof(*held) * (size_t)size);
        if (!grown)
            return failure(ERROR_NOT_ENOUGH_MEMORY);
        memset(grown + held_size, 0, sizeof(*held) * (size_t)(size - held_size));
        held = grown;
        held_size = size;
    }
    if (poller < 0 && (poller = epoll_create1(EPOLL_CLOEXEC)) < 0)
        return failure_from_errno();
    if (!answering) {
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attributes, 64 * 1024);
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);     /* the program's signals are not for it */
        pthread_t thread;
        int err = pthread_create(&thread, &attributes, answer_openers, NULL);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_attr_destroy(&attributes);
        if (err)
            return failure(error_from_errno(err));
        answering = TRUE;
    }
    struct epoll_event event = { .events = EPOLLIN, .data.fd = name_fd };
    if (epoll_ctl(poller, EPOLL_CTL_ADD, name_fd, &event) != 0)
        return failure_from_errno();
    held[name_fd] = (struct held_name){ .object_fd = object_fd + 1, .shared = shared,
                                        .description = description, .description_size = description_size };
    return TRUE;
}

static BOOL hold_name(int name_fd, int object_fd, BOOL shared, void *description, size_t description_size)
{
    pthread_mutex_lock(&names_lock);
    BOOL ok = hold(name_fd, object_fd, shared, description, description_size);
    pthread_mutex_unlock(&names_lock);
    return ok;
}

void ns_release(struct ns_entry *entry)
{
    if (entry->name_fd < 0)
        return;
    pthread_mutex_lock(&names_lock);
    BOOL shared = TRUE;
    if (entry->name_fd < held_size) {
        shared = held[entry->name_fd].shared;
        free(held[entry->name_fd].description);
        held[entry->name_fd] = (struct held_name){ 0 };
    }
    /* While other references keep the socket open, closing this one would
     * not take it out of the epoll. */
    if (shared)
        epoll_ctl(poller, EPOLL_CTL_DEL, entry->name_fd, NULL);
    close(entry->name_fd);
    pthread_mutex_unlock(&names_lock);
    entry->name_fd = -1;
    entry->description = NULL;
    entry->description_size = 0;
}

/* --- Creating and opening ------------------------------------------------- */

/* A new object under the name: 1, or 0 if the name is taken, or -1 with the
 * last error set. */
static int create_new(struct ns_entry *entry, const struct sockaddr_un *address, socklen_t address_size,
                      const void *description, size_t description_size, const void *contents,
                      size_t contents_size, off_t file_size)
{
    void *kept = malloc(description_size);
    if (!kept) {
        failure(ERROR_NOT_ENOUGH_MEMORY);
        return -1;
    }
    memcpy(kept, description, description_size);
    ((struct ns_header *)kept)->description_size = (uint32_t)description_size;
    int name_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (name_fd < 0) {
        free(kept);
        failure_from_errno();
        return -1;
    }
    if (bind(name_fd, (const struct sockaddr *)address, address_size) != 0) {
        int err = errno;
        close(name_fd);
        free(kept);
        if (err == EADDRINUSE)
            return 0;
        failure(error_from_errno(err));
        return -1;
    }
    /* The name is ours; nobody can open the object before it listens.  A
     * new memfd is empty, as an object with no contents stays. */
    int fd = memfd_create("w32mem-object", MFD_CLOEXEC);
    if (fd < 0 || (file_size && ftruncate(fd, file_size) != 0) ||
        (contents && pwrite(fd, contents, contents_size, 0) != (ssize_t)contents_size)) {
        failure(errno == ENOSPC || errno == EFBIG || errno == ENOMEM ? ERROR_NOT_ENOUGH_MEMORY
                                                                     : error_from_errno(errno));
        if (fd >= 0)
            close(fd);
        close(name_fd);
        free(kept);
        return -1;
    }
    if (listen(name_fd, SOMAXCONN) != 0 ? failure_from_errno()
                                        : !hold_name(name_fd, fd, FALSE, kept, description_size)) {
        close(fd);
        close(name_fd);
        free(kept);
        return -1;
    }
    entry->fd = fd;
    entry->name_fd = name_fd;
    entry->description = kept;
    entry->description_size = description_size;
    return 1;
}

/* What a holder sends: the object's description, carrying the name's and
 * the object's descriptors. */
struct answer {
    int name_fd;
    int object_fd;
    void *description;          /* malloc'ed */
    size_t description_size;
};

/* Reads a holder's answer: 1, or 0 if the connection closed before the
 * descriptors came (that holder gave the name up or died), or -1 with the
 * last error set (ERROR_ACCESS_DENIED: the answer did not come in time, or
 * is not a whole description as its header tells its size). */
static int receive_answer(int connection, struct answer *answer)
{
    /* One byte of room more than a description may take, to see an answer
     * longer than any. */
    char *description = malloc(NS_DESCRIPTION_BYTES + 1);
    if (!description) {
        failure(ERROR_NOT_ENOUGH_MEMORY);
        return -1;
    }
    int fds[2];
    char control[CMSG_SPACE(sizeof(fds))];
    struct iovec iov = { description, NS_DESCRIPTION_BYTES + 1 };
    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1,
                              .msg_control = control, .msg_controllen = sizeof(control) };
    ssize_t got;
    while ((got = recvmsg(connection, &message, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    BOOL timed_out = got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    struct cmsghdr *cmsg = got > 0 ? CMSG_FIRSTHDR(&message) : NULL;
    size_t count = cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS
                 ? (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int) : 0;
    if (count)
        memcpy(fds, CMSG_DATA(cmsg), count < 2 ? count * sizeof(int) : sizeof(fds));
    if (count != 2 || (message.msg_flags & MSG_CTRUNC)) {
        for (size_t i = 0; i < count && i < 2; i++)
            close(fds[i]);
        free(description);
        if (!timed_out)
            return 0;
        failure(ERROR_ACCESS_DENIED);
        return -1;
    }
    /* The stream may cut the description into pieces; its header says how
     * many bytes make it whole. */
    size_t size = (size_t)got, wanted = sizeof(struct ns_header);
    for (;;) {
        if (size >= sizeof(struct ns_header))
            wanted = ((const struct ns_header *)description)->description_size;
        if (size >= wanted || wanted > NS_DESCRIPTION_BYTES)
            break;
        ssize_t more = recv(connection, description + size, wanted - size, 0);
        if (more < 0 && errno == EINTR)
            continue;
        if (more <= 0)
            break;
        size += (size_t)more;
    }
    if (size != wanted || wanted < sizeof(struct ns_header) || wanted > NS_DESCRIPTION_BYTES) {
        close(fds[0]);
        close(fds[1]);
        free(description);
        failure(ERROR_ACCESS_DENIED);
        return -1;
    }
    char *trimmed = realloc(description, size);
    *answer = (struct answer){ .name_fd = fds[0], .object_fd = fds[1],
                               .description = trimmed ? trimmed : description, .description_size = size };
    return 1;
}

/* Checks that a whole description is the named object's; -1 with the last
 * error set. */
static int check_object(const struct ns_header *header, uint32_t type, const struct ns_header *wanted)
{
    if (header->magic != NS_MAGIC) {
        failure(ERROR_ACCESS_DENIED);
        return -1;
    }
    if (header->name_length != wanted->name_length ||
        memcmp(header->name, wanted->name, header->name_length) != 0 || header->type != type) {
        failure(ERROR_INVALID_HANDLE);              /* another object's name, as Windows reports it */
        return -1;
    }
    return 1;
}

/* Opens the live object at the name: 1, or 0 if there is none, or -1 with
 * the last error set.  *refused: the name is not bound, or bound by a
 * socket that does not listen (yet: an object being made). */
static int open_existing(struct ns_entry *entry, const struct sockaddr_un *address, socklen_t address_size,
                         uint32_t type, const struct ns_header *wanted, BOOL *refused)
{
    *refused = FALSE;
    for (;;) {
        int connection = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connection < 0) {
            failure_from_errno();
            return -1;
        }
        int err = 0;
        while (connect(connection, (const struct sockaddr *)address, address_size) != 0) {
            err = errno;
            if (err != EINTR)
                break;
        }
        if (err) {
            close(connection);
            if (err == ECONNREFUSED) {
                *refused = TRUE;
                return 0;
            }
            failure(err == EPROTOTYPE ? ERROR_ACCESS_DENIED : error_from_errno(err));
            return -1;
        }
        if (!peer_is_us(connection)) {
            close(connection);
            failure(ERROR_ACCESS_DENIED);           /* another user's socket squats the name */
            return -1;
        }
        struct timeval patience = { ANSWER_PATIENCE_S, 0 };
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof(patience));
        struct answer answer;
        int received = receive_answer(connection, &answer);
        close(connection);
        if (received < 0)
            return -1;
        if (!received)
            continue;                               /* that holder let go: look again */
        if (check_object(answer.description, type, wanted) < 0 ||
            !hold_name(answer.name_fd, answer.object_fd, TRUE, answer.description, answer.description_size)) {
            DWORD error = GetLastError();
            close(answer.object_fd);
            close(answer.name_fd);
            free(answer.description);
            failure(error);
            return -1;
        }
        entry->fd = answer.object_fd;
        entry->name_fd = answer.name_fd;
        entry->description = answer.description;
        entry->description_size = answer.description_size;
        return 1;
    }
}

static void pause_briefly(void)
{
    struct timespec brief = { 0, 1000000 };
    nanosleep(&brief, NULL);
}

/* Whether nothing is bound at the address (binding it for a moment). */
static BOOL name_is_free(const struct sockaddr_un *address, socklen_t address_size)
{
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    BOOL free_name = probe >= 0 && bind(probe, (const struct sockaddr *)address, address_size) == 0;
    if (probe >= 0)
        close(probe);
    return free_name;
}

BOOL ns_acquire(struct ns_entry *entry, const struct ns_header *name, uint32_t type,
                const void *description, size_t description_size, const void *contents, size_t contents_size,
                off_t file_size, BOOL *existed)
{
    if (description && (description_size < sizeof(struct ns_header) || description_size > NS_DESCRIPTION_BYTES))
        return failure(ERROR_INVALID_PARAMETER);
    struct sockaddr_un address;
    socklen_t address_size = address_of(entry, &address);
    /* A create tries to make the object first: that is the common case,
     * and binding fails cleanly when the name exists. */
    for (int waited = 0;;) {
        if (description) {
            int made = create_new(entry, &address, address_size, description, description_size, contents,
                                  contents_size, file_size);
            if (made) {
                *existed = FALSE;
                return made > 0;
            }
        }
        BOOL refused;
        int found = open_existing(entry, &address, address_size, type, name, &refused);
        if (found) {
            *existed = TRUE;
            return found > 0;
        }
        if (!refused || (!description && name_is_free(&address, address_size))) {
            if (!description)
                return failure(ERROR_FILE_NOT_FOUND);
            continue;
        }
        /* Bound but not listening: an object being made, or (when that
         * lasts) a squatter. */
        if (waited >= SQUAT_PATIENCE_MS)
            return failure(ERROR_ACCESS_DENIED);
        if (waited++ == 0)
            sched_yield();
        else
            pause_briefly();
    }
}

void ns_release_and_close(struct ns_entry *entry)
{
    ns_release(entry);
    close(entry->fd);
    entry->fd = -1;
}
