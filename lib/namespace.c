/* The per-user namespace of named objects (the protocol is in namespace.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fork.h"
#include "error.h"
#include "namespace.h"
#include "inject.h"

#define SHM_ROOT "/dev/shm"
#define MAX_ENCODED 200         /* longer encodings are hashed */

static pthread_mutex_t directory_lock = PTHREAD_MUTEX_INITIALIZER;
FORK_HOOKS(namespace_directory, directory_lock)
static int directory_fd = -1;
static uid_t directory_uid;
static char directory_path[64];

static void sweep(int dirfd);

/* The user's directory, opened once per effective user; -1 with the last
 * error set when it cannot be made safe. */
static int user_directory(void)
{
    uid_t uid = geteuid();
    pthread_mutex_lock(&directory_lock);
    if (directory_fd >= 0 && directory_uid == uid) {
        int fd = directory_fd;
        pthread_mutex_unlock(&directory_lock);
        return fd;
    }
    char path[64];
    snprintf(path, sizeof(path), SHM_ROOT "/w32mem-%lu", (unsigned long)uid);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        pthread_mutex_unlock(&directory_lock);
        failure_from_errno();
        return -1;
    }
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_uid != uid || (st.st_mode & 077)) {
        /* Somebody else's directory, or one others can reach into. */
        if (fd >= 0)
            close(fd);
        pthread_mutex_unlock(&directory_lock);
        failure(ERROR_ACCESS_DENIED);
        return -1;
    }
    if (directory_fd >= 0)
        close(directory_fd);
    directory_fd = fd;
    directory_uid = uid;
    memcpy(directory_path, path, sizeof(path));
    sweep(fd);
    pthread_mutex_unlock(&directory_lock);
    return fd;
}

const char *ns_directory(void)
{
    return user_directory() >= 0 ? directory_path : NULL;
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

    char *out = entry->key;
    *out++ = space;
    *out++ = '-';
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (out - entry->key > MAX_ENCODED)
            break;
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '_' || *p == '-' || *p == '.') {
            *out++ = (char)*p;
        } else {
            out += sprintf(out, "%%%02X", *p);
        }
    }
    *out = '\0';
    if (out - entry->key > MAX_ENCODED) {
        /* The full name inside the object settles any collision. */
        snprintf(entry->key, sizeof(entry->key), "%c#%016llx%016llx", space,
                 (unsigned long long)fnv1a(name, 0xcbf29ce484222325ULL),
                 (unsigned long long)fnv1a(name, 0x84222325cbf29ce4ULL));
    }
    entry->fd = -1;
    return TRUE;
}

/* Holding the exclusive lock: nobody has a handle, so the name goes.  An
 * object file has one link, its name, and only a holder of its exclusive
 * lock removes it; so if the file is still linked, the name is still this
 * file's, and nobody can change that while we hold the lock. */
static void unlink_if_named(int dirfd, const char *key, int fd)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_nlink > 0)
        unlinkat(dirfd, key, 0);
}

/* Reclaims names whose holders all died. */
static void sweep(int dirfd)
{
    int fd = dup(dirfd);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dir) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] == '.')
            continue;
        int object = openat(dirfd, entry->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (object < 0)
            continue;
        if (flock(object, LOCK_EX | LOCK_NB) == 0) {
            unlink_if_named(dirfd, entry->d_name, object);
            flock(object, LOCK_UN);
        }
        close(object);
    }
    closedir(dir);
}

/* Opens the live object at key with the shared lock held: 1, or 0 if there
 * is none, or -1 with the last error set. */
static int open_existing(int dirfd, struct ns_entry *entry, uint32_t type, const struct ns_header *wanted)
{
    for (;;) {
        int fd = openat(dirfd, entry->key, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT)
                return 0;
            failure_from_errno();
            return -1;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            /* No process holds a handle: its holders died.  A stale name. */
            unlink_if_named(dirfd, entry->key, fd);
            flock(fd, LOCK_UN);
            close(fd);
            continue;
        }
        /* Blocks only while a closer or reaper holds it exclusively. */
        while (flock(fd, LOCK_SH) != 0 && errno == EINTR)
            ;
        struct stat st;
        if (fstat(fd, &st) != 0 || st.st_nlink == 0) {
            close(fd);          /* unlinked by the last closer meanwhile */
            continue;
        }
        struct ns_header header;
        ssize_t got = pread(fd, &header, sizeof(header), 0);
        DWORD error = ERROR_SUCCESS;
        if (st.st_uid != geteuid() || (st.st_mode & 077) || got != (ssize_t)sizeof(header) ||
            header.magic != NS_MAGIC)
            error = ERROR_ACCESS_DENIED;
        else if (header.name_length != wanted->name_length ||
                 memcmp(header.name, wanted->name, header.name_length) != 0 || header.type != type)
            error = ERROR_INVALID_HANDLE;           /* another object's name, as Windows reports it */
        if (error) {
            flock(fd, LOCK_UN);
            close(fd);
            failure(error);
            return -1;
        }
        entry->fd = fd;
        return 1;
    }
}

/* A new object, built unnamed and linked under key only when complete: 1,
 * or 0 if the name appeared meanwhile, or -1 with the last error set. */
static int create_new(int dirfd, struct ns_entry *entry, const void *init, size_t init_size, off_t file_size)
{
    int fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        failure_from_errno();
        return -1;
    }
    if (ftruncate(fd, file_size) != 0 || pwrite(fd, init, init_size, 0) != (ssize_t)init_size ||
        flock(fd, LOCK_SH) != 0) {
        failure(errno == ENOSPC || errno == EFBIG ? ERROR_NOT_ENOUGH_MEMORY : error_from_errno(errno));
        close(fd);
        return -1;
    }
    /* Linking the descriptor itself needs Linux 6.10 (or privilege); the
     * /proc path works everywhere but costs a lookup. */
    char self[64];
    if (linkat(fd, "", dirfd, entry->key, AT_EMPTY_PATH) != 0 &&
        (errno == EEXIST || (snprintf(self, sizeof(self), "/proc/self/fd/%d", fd),
                             linkat(AT_FDCWD, self, dirfd, entry->key, AT_SYMLINK_FOLLOW) != 0))) {
        int err = errno;
        close(fd);
        if (err == EEXIST)
            return 0;
        failure(error_from_errno(err));
        return -1;
    }
    entry->fd = fd;
    return 1;
}

BOOL ns_acquire(struct ns_entry *entry, const struct ns_header *name, uint32_t type,
                const void *init, size_t init_size, off_t file_size, BOOL *existed)
{
    int dirfd = user_directory();
    if (dirfd < 0)
        return FALSE;
    /* A create tries to make the object first: that is the common case,
     * and linking fails cleanly when the name exists. */
    for (;;) {
        if (init) {
            int made = create_new(dirfd, entry, init, init_size, file_size);
            if (made) {
                *existed = FALSE;
                return made > 0;
            }
        }
        int found = open_existing(dirfd, entry, type, name);
        if (found) {
            *existed = TRUE;
            return found > 0;
        }
        if (!init)
            return failure(ERROR_FILE_NOT_FOUND);
    }
}

void ns_release(struct ns_entry *entry)
{
    int dirfd = user_directory();
    if (flock(entry->fd, LOCK_EX | LOCK_NB) == 0 && dirfd >= 0)
        unlink_if_named(dirfd, entry->key, entry->fd);
    flock(entry->fd, LOCK_UN);
}

void ns_release_and_close(struct ns_entry *entry)
{
    int dirfd = user_directory();
    if (flock(entry->fd, LOCK_EX | LOCK_NB) == 0 && dirfd >= 0)
        unlink_if_named(dirfd, entry->key, entry->fd);
    close(entry->fd);       /* drops the lock: nothing else refers to the description */
    entry->fd = -1;
}
