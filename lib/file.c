/* CreateFile and the file functions around it.
 *
 * Share modes are enforced between every handle of every process that uses
 * w32mem with open-file-description locks on bytes far past any real data:
 * each open holds a shared lock on one byte per data right it has (read,
 * write, delete) and one per right it refuses to share.  A new open is
 * admitted when nobody holds a lock on the "refuses" byte of a right it
 * wants, nor on the "has" byte of a right it refuses; the check and the
 * taking of its own locks happen under a short flock of the file, so two
 * opens cannot both slip past each other.  The kernel drops the locks with
 * the descriptor, so a crashed process blocks nobody.
 *
 * FILE_FLAG_DELETE_ON_CLOSE deletes the file when the last open of it (every
 * handle of every CreateFile, in every process, and any mapping made from
 * one) is gone.  Every open holds one more lock byte, so the closing object
 * with the flag sees whether others remain: if none, it deletes the file;
 * otherwise it marks the file delete-pending (an extended attribute, which
 * outlives the process) and the last closer deletes it.  A delete-pending
 * file cannot be opened (ERROR_ACCESS_DENIED, as Windows' STATUS_DELETE_PENDING),
 * and one whose remaining holders died is deleted by the next open. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "file.h"
#include "path.h"
#include "wide.h"
#include "inject.h"

/* The share-mode lock bytes: right i is held at SHARE_LOCKS + i, and refused
 * at SHARE_LOCKS + 3 + i. */
#define SHARE_LOCKS ((off_t)0x7fffffff00000000LL)
enum { RIGHT_READ, RIGHT_WRITE, RIGHT_DELETE, RIGHTS };
#define OPEN_BYTE (2 * RIGHTS)      /* held by every open */
#define LOCK_BYTES (OPEN_BYTE + 1)
#define DELETE_PENDING "user.w32mem.delete-pending"

#define READ_RIGHTS  (FILE_READ_DATA | FILE_EXECUTE)
#define WRITE_RIGHTS (FILE_WRITE_DATA | FILE_APPEND_DATA)

static void destroy_file(struct object *object);

static const struct object_type file_type = {
    .name = "File",
    .generic_read = FILE_GENERIC_READ,
    .generic_write = FILE_GENERIC_WRITE,
    .generic_execute = FILE_GENERIC_EXECUTE,
    .all_access = FILE_ALL_ACCESS,
    .destroy = destroy_file,
};

static int any_held(int fd, unsigned bytes);

/* Only the file that was opened: the name may have been reused. */
static void unlink_same_file(const char *path, dev_t device, ino_t inode)
{
    struct stat st;
    if (stat(path, &st) == 0 && st.st_dev == device && st.st_ino == inode)
        unlink(path);
}

static BOOL delete_pending(int fd)
{
    return fgetxattr(fd, DELETE_PENDING, NULL, 0) >= 0;
}

/* The last reference to an object that must delete its file, or whose file
 * another object left delete-pending: delete it if no other open remains,
 * else leave that to the last one.  (A file system without extended
 * attributes cannot keep the mark: the name then goes now, the data with
 * the last open.) */
static void close_deleting(struct file_object *file)
{
    /* Without the lock, or when the kernel cannot tell who else has the
     * file open, the mark is the safe side: the next open settles it. */
    BOOL locked = flock(file->fd, LOCK_EX) == 0;
    int others = locked ? any_held(file->fd, 1u << OPEN_BYTE) : -1;
    if (others == 0 || fsetxattr(file->fd, DELETE_PENDING, "", 0, 0) != 0)
        unlink_same_file(file->path, file->device, file->inode);
    if (locked)
        flock(file->fd, LOCK_UN);
}

static void destroy_file(struct object *object)
{
    struct file_object *file = (struct file_object *)object;
    if (file->delete_on_close || delete_pending(file->fd))
        close_deleting(file);
    close(file->fd);
    free(file->path);
    free(file);
}

struct file_object *file_lookup(HANDLE handle, ACCESS_MASK *access_out)
{
    return (struct file_object *)handle_lookup(handle, &file_type, access_out);
}

/* Bits 1 << RIGHT_* for the data rights in an access mask. */
static unsigned rights_of(ACCESS_MASK access)
{
    return ((access & READ_RIGHTS) ? 1u << RIGHT_READ : 0) |
           ((access & WRITE_RIGHTS) ? 1u << RIGHT_WRITE : 0) |
           ((access & DELETE) ? 1u << RIGHT_DELETE : 0);
}

static unsigned shared_rights_of(DWORD share)
{
    return ((share & FILE_SHARE_READ) ? 1u << RIGHT_READ : 0) |
           ((share & FILE_SHARE_WRITE) ? 1u << RIGHT_WRITE : 0) |
           ((share & FILE_SHARE_DELETE) ? 1u << RIGHT_DELETE : 0);
}

/* Whether another open file description holds a lock on byte: 1 or 0, or
 * -1 with errno set when the kernel cannot tell. */
static int byte_held(int fd, off_t byte)
{
    struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1 };
    if (fcntl(fd, F_OFD_GETLK, &lock) != 0)
        return -1;
    return lock.l_type != F_UNLCK;
}

/* The share-mode bytes as a bit set (bit i is byte SHARE_LOCKS + i), taken
 * a run of adjacent bytes at a time: one system call per run, usually one
 * run in all. */
static BOOL next_run(unsigned bytes, int *start, int *count)
{
    int at = *start + *count;
    while (at < LOCK_BYTES && !(bytes & (1u << at)))
        at++;
    if (at >= LOCK_BYTES)
        return FALSE;
    int end = at;
    while (end < LOCK_BYTES && (bytes & (1u << end)))
        end++;
    *start = at;
    *count = end - at;
    return TRUE;
}

/* Whether another open file description holds a lock on any of the bytes:
 * 1 or 0, or -1 with errno set when the kernel cannot tell. */
static int any_held(int fd, unsigned bytes)
{
    for (int start = 0, count = 0; next_run(bytes, &start, &count);) {
        struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = SHARE_LOCKS + start,
                              .l_len = count };
        if (fcntl(fd, F_OFD_GETLK, &lock) != 0)
            return -1;
        if (lock.l_type != F_UNLCK)
            return 1;
    }
    return 0;
}

/* FALSE with errno set when the kernel cannot record the locks; a
 * descriptor that cannot take read locks (opened write-only, EBADF) takes
 * part in the checks but cannot be seen by later opens. */
static BOOL hold_bytes(int fd, unsigned bytes)
{
    for (int start = 0, count = 0; next_run(bytes, &start, &count);) {
        struct flock lock = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = SHARE_LOCKS + start,
                              .l_len = count };
        if (fcntl(fd, F_OFD_SETLK, &lock) != 0 && errno != EBADF)
            return FALSE;
    }
    return TRUE;
}

/* Admits an open of path (fd) with the given rights and refusals against
 * every other open of the file, and records it: ERROR_SUCCESS, or
 * ERROR_SHARING_VIOLATION, ERROR_ACCESS_DENIED (a directory without
 * FILE_FLAG_BACKUP_SEMANTICS, a delete-pending file), or ERROR_FILE_NOT_FOUND
 * when the name no longer leads to this file (deleted meanwhile, or a
 * delete-pending file whose holders died, deleted now): the caller opens the
 * name again. */
static DWORD admit(int fd, const char *path, unsigned rights, unsigned refused, BOOL directories, struct stat *st)
{
    if (flock(fd, LOCK_EX) != 0)
        return error_from_errno(errno);
    DWORD error = ERROR_SUCCESS;
    int held;
    if (fstat(fd, st) != 0)
        error = error_from_errno(errno);
    else if (st->st_nlink == 0)
        error = ERROR_FILE_NOT_FOUND;
    else if (S_ISDIR(st->st_mode) && !directories)
        error = ERROR_ACCESS_DENIED;
    else if (S_ISREG(st->st_mode) && delete_pending(fd)) {
        held = any_held(fd, 1u << OPEN_BYTE);
        error = held < 0 ? error_from_errno(errno) : held ? ERROR_ACCESS_DENIED : ERROR_FILE_NOT_FOUND;
        if (error == ERROR_FILE_NOT_FOUND)
            unlink_same_file(path, st->st_dev, st->st_ino);
    }
    /* Conflicts: someone refusing a right we want, or having one we refuse. */
    else if ((held = any_held(fd, rights << RIGHTS | refused)) != 0)
        error = held < 0 ? error_from_errno(errno) : ERROR_SHARING_VIOLATION;
    /* What was recorded before a failure goes with the caller's close: the
     * locks belong to fd's open file description. */
    else if (!hold_bytes(fd, 1u << OPEN_BYTE | refused << RIGHTS | rights))
        error = error_from_errno(errno);
    flock(fd, LOCK_UN);
    return error;
}

/* ENOENT means a missing file or a missing directory on the way to it. */
static DWORD not_found_error(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return ERROR_NOT_ENOUGH_MEMORY;
    char *slash = strrchr(copy, '/');
    DWORD error = ERROR_FILE_NOT_FOUND;
    if (slash) {
        *(slash == copy ? slash + 1 : slash) = '\0';
        struct stat st;
        if (stat(copy, &st) != 0 || !S_ISDIR(st.st_mode))
            error = ERROR_PATH_NOT_FOUND;
    }
    free(copy);
    return error;
}

static DWORD open_error(const char *path, int err)
{
    switch (err) {
    case ENOENT:  return not_found_error(path);
    case ENOTDIR: return ERROR_PATH_NOT_FOUND;
    case EEXIST:  return ERROR_FILE_EXISTS;
    case EISDIR:  return ERROR_ACCESS_DENIED;
    default:      return error_from_errno(err);
    }
}

HANDLE WINAPI CreateFileA(LPCSTR name, DWORD desired_access, DWORD share, LPSECURITY_ATTRIBUTES security,
                          DWORD disposition, DWORD flags_and_attributes, HANDLE template_file)
{
    (void)template_file;        /* Windows ignores it when opening an existing file, and
                                   extended attributes have no meaning here */
    if (disposition < CREATE_NEW || disposition > TRUNCATE_EXISTING ||
        (share & ~(DWORD)(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE))) {
        failure(ERROR_INVALID_PARAMETER);
        return INVALID_HANDLE_VALUE;
    }
    ACCESS_MASK access = object_map_access(&file_type, desired_access);
    if (flags_and_attributes & FILE_FLAG_DELETE_ON_CLOSE)
        access |= DELETE;
    BOOL read = (access & READ_RIGHTS) != 0, write = (access & WRITE_RIGHTS) != 0;
    if (disposition == TRUNCATE_EXISTING && !(access & FILE_WRITE_DATA)) {
        failure(ERROR_INVALID_PARAMETER);
        return INVALID_HANDLE_VALUE;
    }
    char *path = path_from_windows(name);
    if (!path)
        return INVALID_HANDLE_VALUE;

    int open_flags = (write ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY;
    mode_t mode = (flags_and_attributes & FILE_ATTRIBUTE_READONLY) ? 0444 : 0666;
    BOOL delete_on_close = (flags_and_attributes & FILE_FLAG_DELETE_ON_CLOSE) != 0;
    BOOL created = FALSE;
    int fd = -1;
    struct stat st = { 0 };
    DWORD error = ERROR_FILE_NOT_FOUND;
    /* A file deleted between the open and the admission is opened again. */
    for (int attempt = 0; error == ERROR_FILE_NOT_FOUND && attempt < 8; attempt++) {
        if (fd >= 0)
            close(fd);
        fd = -1;
        created = FALSE;
        if (disposition == CREATE_NEW || disposition == CREATE_ALWAYS || disposition == OPEN_ALWAYS) {
            fd = open(path, open_flags | O_CREAT | O_EXCL, mode);
            created = fd >= 0;
        }
        if (fd < 0 && disposition != CREATE_NEW && (disposition == OPEN_EXISTING ||
                                                    disposition == TRUNCATE_EXISTING || errno == EEXIST)) {
            fd = open(path, open_flags, 0);
            if (fd < 0 && write && errno == EACCES && !read) {
                /* Write-only access to a file we may not read. */
                fd = open(path, (open_flags & ~O_RDWR) | O_WRONLY, 0);
            }
        }
        if (fd < 0) {
            failure(open_error(path, errno));
            free(path);
            return INVALID_HANDLE_VALUE;
        }
        error = admit(fd, path, rights_of(access), ~shared_rights_of(share) & ((1u << RIGHTS) - 1),
                      (flags_and_attributes & FILE_FLAG_BACKUP_SEMANTICS) != 0, &st);
    }
    if (!error && delete_on_close && !created && S_ISREG(st.st_mode) && !(st.st_mode & 0222))
        error = ERROR_ACCESS_DENIED;            /* a read-only file cannot be deleted */
    else if (!error && !created && (disposition == CREATE_ALWAYS || disposition == TRUNCATE_EXISTING) &&
             (write ? ftruncate(fd, 0) : truncate(path, 0)) != 0)
        error = error_from_errno(errno);

    struct file_object *file = error ? NULL : calloc(1, sizeof(*file));
    if (!error && !file)
        error = ERROR_NOT_ENOUGH_MEMORY;
    if (error) {
        if (created)
            unlink(path);
        close(fd);
        free(path);
        failure(error);
        return INVALID_HANDLE_VALUE;
    }
    object_init(&file->header, &file_type);
    file->fd = fd;
    file->path = path;
    file->device = st.st_dev;
    file->inode = st.st_ino;
    file->delete_on_close = delete_on_close;
    HANDLE handle = handle_create(&file->header, access,
                                  security && security->bInheritHandle ? HANDLE_FLAG_INHERIT : 0);
    object_unref(&file->header);
    if (!handle) {
        return INVALID_HANDLE_VALUE;
    }
    BOOL existed = !created && (disposition == CREATE_ALWAYS || disposition == OPEN_ALWAYS);
    SetLastError(existed ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
    return handle;
}

HANDLE WINAPI CreateFileW(LPCWSTR name, DWORD desired_access, DWORD share, LPSECURITY_ATTRIBUTES security,
                          DWORD disposition, DWORD flags_and_attributes, HANDLE template_file)
{
    if (!name) {
        failure(ERROR_PATH_NOT_FOUND);
        return INVALID_HANDLE_VALUE;
    }
    char *utf8 = utf8_from_wide(name);
    if (!utf8)
        return INVALID_HANDLE_VALUE;
    HANDLE handle = CreateFileA(utf8, desired_access, share, security, disposition,
                                flags_and_attributes, template_file);
    free(utf8);
    return handle;
}

/* The file a handle names when the handle has one of the rights in needed. */
static struct file_object *file_with_access(HANDLE handle, ACCESS_MASK needed, ACCESS_MASK *access_out)
{
    ACCESS_MASK access;
    struct file_object *file = file_lookup(handle, &access);
    if (file && needed && !(access & needed)) {
        object_unref(&file->header);
        failure(ERROR_ACCESS_DENIED);
        return NULL;
    }
    if (access_out)
        *access_out = access;
    return file;
}

/* Every handle here is synchronous: a transfer at an OVERLAPPED offset leaves
 * the file pointer just past the bytes it moved, as on Windows. */
static void seek_past_transfer(int fd, const OVERLAPPED *overlapped, size_t done)
{
    lseek(fd, (off_t)(((ULONGLONG)overlapped->OffsetHigh << 32) | overlapped->Offset) + (off_t)done, SEEK_SET);
}

BOOL WINAPI ReadFile(HANDLE handle, LPVOID buffer, DWORD to_read, LPDWORD read_count, LPOVERLAPPED overlapped)
{
    if (read_count)
        *read_count = 0;
    if (!read_count && !overlapped)
        return failure(ERROR_NOACCESS);
    struct file_object *file = file_with_access(handle, FILE_READ_DATA, NULL);
    if (!file)
        return FALSE;
    size_t done = 0;
    BOOL ok = TRUE;
    while (done < to_read) {
        ssize_t n = overlapped
            ? pread(file->fd, (char *)buffer + done, to_read - done,
                    (off_t)(((ULONGLONG)overlapped->OffsetHigh << 32) | overlapped->Offset) + (off_t)done)
            : read(file->fd, (char *)buffer + done, to_read - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ok = failure(errno == EFAULT ? ERROR_NOACCESS : error_from_errno(errno));
            break;
        }
        if (n == 0)
            break;          /* end of file: success with fewer bytes */
        done += (size_t)n;
    }
    if (ok && overlapped)
        seek_past_transfer(file->fd, overlapped, done);
    object_unref(&file->header);
    if (read_count)
        *read_count = (DWORD)done;
    if (overlapped) {
        overlapped->Internal = 0;
        overlapped->InternalHigh = done;
        if (ok && done == 0 && to_read)
            return failure(ERROR_HANDLE_EOF);   /* reads at an offset past the end say so */
    }
    return ok;
}

BOOL WINAPI WriteFile(HANDLE handle, LPCVOID buffer, DWORD to_write, LPDWORD written, LPOVERLAPPED overlapped)
{
    if (written)
        *written = 0;
    if (!written && !overlapped)
        return failure(ERROR_NOACCESS);
    ACCESS_MASK access;
    struct file_object *file = file_with_access(handle, WRITE_RIGHTS, &access);
    if (!file)
        return FALSE;
    BOOL append_only = !(access & FILE_WRITE_DATA);
    size_t done = 0;
    BOOL ok = TRUE;
    while (done < to_write) {
        ssize_t n;
        if (append_only) {
            off_t end = lseek(file->fd, 0, SEEK_END);
            n = end < 0 ? -1 : pwrite(file->fd, (const char *)buffer + done, to_write - done, end);
        } else if (overlapped) {
            n = pwrite(file->fd, (const char *)buffer + done, to_write - done,
                       (off_t)(((ULONGLONG)overlapped->OffsetHigh << 32) | overlapped->Offset) + (off_t)done);
        } else {
            n = write(file->fd, (const char *)buffer + done, to_write - done);
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ok = failure(errno == EFAULT ? ERROR_NOACCESS : error_from_errno(errno));
            break;
        }
        done += (size_t)n;
    }
    if (ok && overlapped && !append_only)
        seek_past_transfer(file->fd, overlapped, done);
    object_unref(&file->header);
    if (written)
        *written = (DWORD)done;
    if (overlapped) {
        overlapped->Internal = 0;
        overlapped->InternalHigh = done;
    }
    return ok;
}

BOOL WINAPI SetFilePointerEx(HANDLE handle, LARGE_INTEGER distance, PLARGE_INTEGER new_pointer, DWORD method)
{
    int whence = method == FILE_BEGIN ? SEEK_SET : method == FILE_CURRENT ? SEEK_CUR
               : method == FILE_END ? SEEK_END : -1;
    if (whence < 0)
        return failure(ERROR_INVALID_PARAMETER);
    struct file_object *file = file_lookup(handle, NULL);
    if (!file)
        return FALSE;
    BOOL ok = TRUE;
    off_t base = whence == SEEK_SET ? 0 : lseek(file->fd, 0, whence);
    if (base < 0 || (distance.QuadPart < 0 && base + distance.QuadPart < 0)) {
        ok = failure(base < 0 ? error_from_errno(errno) : ERROR_NEGATIVE_SEEK);
    } else {
        off_t at = lseek(file->fd, base + distance.QuadPart, SEEK_SET);
        if (at < 0)
            ok = failure(errno == EINVAL ? ERROR_NEGATIVE_SEEK : error_from_errno(errno));
        else if (new_pointer)
            new_pointer->QuadPart = at;
    }
    object_unref(&file->header);
    return ok;
}

DWORD WINAPI SetFilePointer(HANDLE handle, LONG distance, PLONG distance_high, DWORD method)
{
    LARGE_INTEGER move, at = { .QuadPart = 0 };
    /* Without a high part the distance is a signed 32-bit value. */
    move.QuadPart = distance_high ? (LONGLONG)(((ULONGLONG)(DWORD)*distance_high << 32) | (DWORD)distance)
                                  : (LONGLONG)distance;
    if (!SetFilePointerEx(handle, move, &at, method))
        return INVALID_SET_FILE_POINTER;
    if (distance_high)
        *distance_high = (LONG)at.HighPart;
    if (at.LowPart == INVALID_SET_FILE_POINTER)
        SetLastError(ERROR_SUCCESS);   /* tells a real position from the error value */
    return at.LowPart;
}

BOOL WINAPI SetEndOfFile(HANDLE handle)
{
    struct file_object *file = file_with_access(handle, FILE_WRITE_DATA, NULL);
    if (!file)
        return FALSE;
    BOOL ok = TRUE;
    struct stat st;
    off_t at = lseek(file->fd, 0, SEEK_CUR);
    if (at < 0 || fstat(file->fd, &st) != 0)
        ok = failure_from_errno();
    else if (at < st.st_size && __atomic_load_n(&file->mappings, __ATOMIC_ACQUIRE))
        ok = failure(ERROR_USER_MAPPED_FILE);   /* a mapping would lose pages under its views */
    else if (ftruncate(file->fd, at) != 0)
        ok = failure_from_errno();
    object_unref(&file->header);
    return ok;
}

BOOL WINAPI GetFileSizeEx(HANDLE handle, PLARGE_INTEGER size)
{
    if (!size)
        return failure(ERROR_NOACCESS);
    struct file_object *file = file_lookup(handle, NULL);
    if (!file)
        return FALSE;
    struct stat st;
    BOOL ok = fstat(file->fd, &st) == 0 ? TRUE : failure_from_errno();
    if (ok)
        size->QuadPart = st.st_size;
    object_unref(&file->header);
    return ok;
}

DWORD WINAPI GetFileSize(HANDLE handle, LPDWORD size_high)
{
    LARGE_INTEGER size;
    if (!GetFileSizeEx(handle, &size))
        return INVALID_FILE_SIZE;
    if (size_high)
        *size_high = (DWORD)size.HighPart;
    if (size.LowPart == INVALID_FILE_SIZE)
        SetLastError(ERROR_SUCCESS);
    return size.LowPart;
}

BOOL WINAPI FlushFileBuffers(HANDLE handle)
{
    struct file_object *file = file_with_access(handle, WRITE_RIGHTS, NULL);
    if (!file)
        return FALSE;
    BOOL ok = fsync(file->fd) == 0 || errno == EINVAL ? TRUE : failure_from_errno();
    object_unref(&file->header);
    return ok;
}

BOOL WINAPI DeleteFileA(LPCSTR name)
{
    char *path = path_from_windows(name);
    if (!path)
        return FALSE;
    struct stat st;
    BOOL ok = TRUE;
    if (lstat(path, &st) != 0) {
        ok = failure(open_error(path, errno));
    } else if (S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && !(st.st_mode & 0222))) {
        ok = failure(ERROR_ACCESS_DENIED);      /* directories, and read-only files */
    } else if (S_ISREG(st.st_mode)) {
        /* Deleting needs every open of the file to share delete access. */
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd >= 0) {
            int held = flock(fd, LOCK_EX) == 0 ? byte_held(fd, SHARE_LOCKS + RIGHTS + RIGHT_DELETE) : -1;
            int others = held == 0 && delete_pending(fd) ? any_held(fd, 1u << OPEN_BYTE) : 0;
            if (held < 0 || others < 0)
                ok = failure_from_errno();
            else if (held)
                ok = failure(ERROR_SHARING_VIOLATION);
            else if (others)
                ok = failure(ERROR_ACCESS_DENIED);      /* delete-pending */
            else if (unlink(path) != 0)
                ok = failure_from_errno();
            flock(fd, LOCK_UN);
            close(fd);
        } else if (errno != EACCES || unlink(path) != 0) {
            /* A file this user may not read is deleted unchecked: its
             * share locks cannot be seen without opening it. */
            ok = failure_from_errno();
        }
    } else if (unlink(path) != 0) {
        ok = failure_from_errno();
    }
    free(path);
    return ok;
}

BOOL WINAPI DeleteFileW(LPCWSTR name)
{
    if (!name)
        return failure(ERROR_PATH_NOT_FOUND);
    char *utf8 = utf8_from_wide(name);
    if (!utf8)
        return FALSE;
    BOOL ok = DeleteFileA(utf8);
    free(utf8);
    return ok;
}

/* $TMPDIR when it names an absolute directory, else /tmp, always with a
 * trailing separator as Windows returns it. */
static void temp_directory(char *out, size_t size)
{
    const char *dir = getenv("TMPDIR");
    struct stat st;
    if (!dir || dir[0] != '/' || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || strlen(dir) + 2 > size)
        dir = "/tmp";
    size_t length = strlen(dir);
    snprintf(out, size, "%s%s", dir, dir[length - 1] == '/' ? "" : "/");
}

DWORD WINAPI GetTempPathA(DWORD capacity, LPSTR buffer)
{
    char dir[PATH_MAX];
    temp_directory(dir, sizeof(dir));
    DWORD length = (DWORD)strlen(dir);
    if (length + 1 > capacity || !buffer)
        return length + 1;
    memcpy(buffer, dir, length + 1);
    return length;
}

DWORD WINAPI GetTempPathW(DWORD capacity, LPWSTR buffer)
{
    char dir[PATH_MAX];
    temp_directory(dir, sizeof(dir));
    return wide_from_utf8(dir, buffer, capacity);
}

/* The bytes of the first three characters of a UTF-8 prefix: Windows takes
 * three UTF-16 units (a character beyond the BMP is two) and never splits a
 * character's bytes. */
static int prefix_length(const char *prefix)
{
    int bytes = 0, units = 0;
    while (prefix[bytes]) {
        unsigned char lead = (unsigned char)prefix[bytes];
        int length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
        units += length == 4 ? 2 : 1;
        if (units > 3)
            break;
        int i = 1;
        while (i < length && (prefix[bytes + i] & 0xc0) == 0x80)
            i++;
        bytes += i;
    }
    return bytes;
}

UINT WINAPI GetTempFileNameA(LPCSTR directory, LPCSTR prefix, UINT unique, LPSTR out)
{
    if (!directory || !out) {
        failure(ERROR_INVALID_PARAMETER);
        return 0;
    }
    size_t length = strlen(directory);
    const char *separator = length && (directory[length - 1] == '\\' || directory[length - 1] == '/') ? ""
                          : strchr(directory, '/') && !strchr(directory, '\\') ? "/" : "\\";
    /* Windows names any directory it cannot use, even one on a drive
     * that does not exist, ERROR_DIRECTORY. */
    char *dir_path = path_from_windows(directory);
    if (!dir_path && GetLastError() == ERROR_NOT_ENOUGH_MEMORY)
        return 0;
    struct stat st;
    BOOL is_dir = dir_path && stat(dir_path, &st) == 0 && S_ISDIR(st.st_mode);
    free(dir_path);
    if (!is_dir) {
        failure(ERROR_DIRECTORY);
        return 0;
    }
    unique &= 0xffff;
    UINT start = unique ? unique : ((UINT)time(NULL) ^ (UINT)getpid()) & 0xffff;
    UINT number = start ? start : 1;
    for (;;) {
        char name[MAX_PATH + 16];
        int n = snprintf(name, sizeof(name), "%s%s%.*s%X.tmp", directory, separator,
                         prefix ? prefix_length(prefix) : 0, prefix ? prefix : "", number);
        if (n < 0 || n >= MAX_PATH) {
            failure(ERROR_BUFFER_OVERFLOW);
            return 0;
        }
        if (unique) {
            memcpy(out, name, (size_t)n + 1);
            return unique;      /* Windows neither creates nor checks the file then */
        }
        HANDLE created = CreateFileA(name, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
        if (created != INVALID_HANDLE_VALUE) {
            CloseHandle(created);
            memcpy(out, name, (size_t)n + 1);
            SetLastError(ERROR_SUCCESS);
            return number;
        }
        if (GetLastError() != ERROR_FILE_EXISTS && GetLastError() != ERROR_ACCESS_DENIED)
            return 0;
        number = (number + 1) & 0xffff;
        if (!number)
            number = 1;
        if (number == (start ? start : 1)) {
            failure(ERROR_FILE_EXISTS);
            return 0;
        }
    }
}

UINT WINAPI GetTempFileNameW(LPCWSTR directory, LPCWSTR prefix, UINT unique, LPWSTR out)
{
    if (!directory || !out) {
        failure(ERROR_INVALID_PARAMETER);
        return 0;
    }
    char *dir8 = utf8_from_wide(directory);
    char *prefix8 = prefix ? utf8_from_wide(prefix) : NULL;
    UINT result = 0;
    char name[MAX_PATH];
    if (dir8 && (!prefix || prefix8))
        result = GetTempFileNameA(dir8, prefix8, unique, name);
    if (result && wide_from_utf8(name, out, MAX_PATH) >= MAX_PATH) {
        failure(ERROR_BUFFER_OVERFLOW);
        result = 0;
    }
    free(dir8);
    free(prefix8);
    return result;
}
