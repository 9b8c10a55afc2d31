/* CreateFile and the file functions: dispositions, share modes (also across
 * processes), FILE_FLAG_DELETE_ON_CLOSE, the Windows path rule, temp names. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"
#include "wide.h"

static char scratch[64];
static char name[128];

static void make_scratch(void)
{
    snprintf(scratch, sizeof(scratch), "/tmp/w32mem-file-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(scratch));
    snprintf(name, sizeof(name), "%s/data.bin", scratch);
}

static void remove_scratch(void)
{
    char command[128];
    snprintf(command, sizeof(command), "rm -rf %s", scratch);
    ck_assert_int_eq(system(command), 0);
}

static BOOL exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

START_TEST(dispositions)
{
    HANDLE h = CreateFileA(name, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    ck_assert_ptr_eq(h, INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_FILE_NOT_FOUND);
    h = CreateFileA("/nonexistent-dir/x", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    ck_assert_last_error(ERROR_PATH_NOT_FOUND);
    h = CreateFileA(name, GENERIC_READ, 0, NULL, TRUNCATE_EXISTING, 0, NULL);
    ck_assert_ptr_eq(h, INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_INVALID_PARAMETER);      /* truncating needs GENERIC_WRITE */
    h = CreateFileA(name, GENERIC_READ, 0, NULL, 6, 0, NULL);
    ck_assert_last_error(ERROR_INVALID_PARAMETER);

    SetLastError(1234);
    h = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    ck_assert_ptr_ne(h, INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_SUCCESS);
    DWORD written;
    ck_assert(WriteFile(h, "hello", 5, &written, NULL));
    ck_assert_uint_eq(written, 5);
    ck_assert(CloseHandle(h));

    ck_assert_ptr_eq(CreateFileA(name, GENERIC_READ, 0, NULL, CREATE_NEW, 0, NULL), INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_FILE_EXISTS);

    h = CreateFileA(name, GENERIC_READ, 0, NULL, OPEN_ALWAYS, 0, NULL);
    ck_assert_last_error(ERROR_ALREADY_EXISTS);
    ck_assert_uint_eq(GetFileSize(h, NULL), 5);
    ck_assert(CloseHandle(h));

    h = CreateFileA(name, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    ck_assert_last_error(ERROR_ALREADY_EXISTS);
    ck_assert_uint_eq(GetFileSize(h, NULL), 0);          /* truncated */
    ck_assert(WriteFile(h, "abc", 3, &written, NULL));
    ck_assert(CloseHandle(h));

    h = CreateFileA(name, GENERIC_WRITE, 0, NULL, TRUNCATE_EXISTING, 0, NULL);
    ck_assert_last_error(ERROR_SUCCESS);
    ck_assert_uint_eq(GetFileSize(h, NULL), 0);
    ck_assert(CloseHandle(h));

    ck_assert(DeleteFileA(name));
    h = CreateFileA(name, GENERIC_READ, 0, NULL, OPEN_ALWAYS, 0, NULL);
    ck_assert_last_error(ERROR_SUCCESS);                 /* created */
    ck_assert(CloseHandle(h));
    ck_assert(DeleteFileA(name));
    ck_assert(!DeleteFileA(name));
    ck_assert_last_error(ERROR_FILE_NOT_FOUND);
}
END_TEST

START_TEST(read_write_seek_size)
{
    HANDLE h = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD count;
    char buffer[16] = { 0 };
    ck_assert(WriteFile(h, "0123456789", 10, &count, NULL));
    ck_assert_uint_eq(SetFilePointer(h, 2, NULL, FILE_BEGIN), 2);
    ck_assert(ReadFile(h, buffer, 4, &count, NULL));
    ck_assert_uint_eq(count, 4);
    ck_assert_str_eq(buffer, "2345");
    ck_assert_uint_eq(SetFilePointer(h, -3, NULL, FILE_END), 7);
    ck_assert(ReadFile(h, buffer, 10, &count, NULL));
    ck_assert_uint_eq(count, 3);                          /* short read at the end */
    ck_assert(ReadFile(h, buffer, 10, &count, NULL));
    ck_assert_uint_eq(count, 0);                          /* at the end: success, nothing */
    ck_assert_uint_eq(SetFilePointer(h, -20, NULL, FILE_CURRENT), INVALID_SET_FILE_POINTER);
    ck_assert_last_error(ERROR_NEGATIVE_SEEK);
    ck_assert_uint_eq(SetFilePointer(h, 0, NULL, 7), INVALID_SET_FILE_POINTER);
    ck_assert_last_error(ERROR_INVALID_PARAMETER);

    LARGE_INTEGER move = { .QuadPart = 0x100000000LL }, at, size;
    ck_assert(SetFilePointerEx(h, move, &at, FILE_BEGIN));
    ck_assert_int_eq(at.QuadPart, 0x100000000LL);
    ck_assert(SetEndOfFile(h));
    ck_assert(GetFileSizeEx(h, &size));
    ck_assert_int_eq(size.QuadPart, 0x100000000LL);
    DWORD high = 0;
    SetLastError(77);
    ck_assert_uint_eq(GetFileSize(h, &high), 0);
    ck_assert_uint_eq(high, 1);
    LONG move_high = 0;
    ck_assert_uint_eq(SetFilePointer(h, 5, &move_high, FILE_BEGIN), 5);
    ck_assert_int_eq(move_high, 0);
    ck_assert(SetEndOfFile(h));
    ck_assert_uint_eq(GetFileSize(h, NULL), 5);
    ck_assert(FlushFileBuffers(h));
    ck_assert(CloseHandle(h));

    h = CreateFileA(name, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    ck_assert(!WriteFile(h, "x", 1, &count, NULL));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    ck_assert(!SetEndOfFile(h));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    ck_assert(!FlushFileBuffers(h));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    ck_assert(CloseHandle(h));

    h = CreateFileA(name, GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    ck_assert(!ReadFile(h, buffer, 1, &count, NULL));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    ck_assert(CloseHandle(h));
    ck_assert(!ReadFile(h, buffer, 1, &count, NULL));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
}
END_TEST

START_TEST(share_modes)
{
    HANDLE first = CreateFileA(name, GENERIC_READ, FILE_SHARE_READ, NULL, CREATE_ALWAYS, 0, NULL);
    ck_assert_ptr_ne(first, INVALID_HANDLE_VALUE);
    /* Wants write, which the first open does not share. */
    ck_assert_ptr_eq(CreateFileA(name, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL),
                     INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_SHARING_VIOLATION);
    /* Refuses to share read, which the first open has. */
    ck_assert_ptr_eq(CreateFileA(name, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL), INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_SHARING_VIOLATION);
    /* A failed CREATE_ALWAYS does not truncate. */
    HANDLE second = CreateFileA(name, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    ck_assert_ptr_ne(second, INVALID_HANDLE_VALUE);
    ck_assert(!DeleteFileA(name));
    ck_assert_last_error(ERROR_SHARING_VIOLATION);

    /* Across processes: a child's conflicting open fails the same way. */
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        HANDLE h = CreateFileA(name, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
        _exit(h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_SHARING_VIOLATION ? 0 : 1);
    }
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    ck_assert(CloseHandle(first));
    ck_assert(CloseHandle(second));
    HANDLE writer = CreateFileA(name, GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    ck_assert_ptr_ne(writer, INVALID_HANDLE_VALUE);
    ck_assert(CloseHandle(writer));

    HANDLE deletable = CreateFileA(name, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
    ck_assert(DeleteFileA(name));
    ck_assert(CloseHandle(deletable));
}
END_TEST

START_TEST(delete_on_close)
{
    HANDLE h = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_DELETE, NULL, CREATE_ALWAYS,
                           FILE_FLAG_DELETE_ON_CLOSE, NULL);
    ck_assert_ptr_ne(h, INVALID_HANDLE_VALUE);
    HANDLE copy;
    ck_assert(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &copy, 0, FALSE, DUPLICATE_SAME_ACCESS));
    ck_assert(CloseHandle(h));
    ck_assert(exists(name));                /* a duplicate still refers to it */
    ck_assert(CloseHandle(copy));
    ck_assert(!exists(name));
}
END_TEST

#define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

static HANDLE open_deleting(DWORD disposition)
{
    return CreateFileA(name, GENERIC_READ | GENERIC_WRITE, SHARE_ALL, NULL, disposition, FILE_FLAG_DELETE_ON_CLOSE, NULL);
}

static HANDLE open_plain(DWORD share)
{
    return CreateFileA(name, GENERIC_READ, share, NULL, OPEN_EXISTING, 0, NULL);
}

/* The file goes with the last open of it, not of the handle that asked. */
START_TEST(delete_on_close_waits_for_every_open)
{
    /* Another open closing first changes nothing. */
    HANDLE deleting = open_deleting(CREATE_ALWAYS);
    ck_assert_ptr_ne(deleting, INVALID_HANDLE_VALUE);
    ck_assert_ptr_eq(open_plain(FILE_SHARE_READ | FILE_SHARE_WRITE), INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_SHARING_VIOLATION);     /* must share delete */
    HANDLE other = open_plain(SHARE_ALL);
    ck_assert_ptr_ne(other, INVALID_HANDLE_VALUE);
    ck_assert(CloseHandle(other));
    ck_assert(exists(name));
    other = open_plain(SHARE_ALL);
    ck_assert_ptr_ne(other, INVALID_HANDLE_VALUE);
    ck_assert(CloseHandle(other));
    ck_assert(CloseHandle(deleting));
    ck_assert(!exists(name));

    /* The flagged open closing first leaves the file delete-pending: still
     * there, but no one may open or delete it; the last close deletes it. */
    deleting = open_deleting(CREATE_ALWAYS);
    other = open_plain(SHARE_ALL);
    ck_assert_ptr_ne(other, INVALID_HANDLE_VALUE);
    ck_assert(CloseHandle(deleting));
    ck_assert(exists(name));
    ck_assert_ptr_eq(open_plain(SHARE_ALL), INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    ck_assert_ptr_eq(CreateFileA(name, GENERIC_WRITE, SHARE_ALL, NULL, OPEN_ALWAYS, 0, NULL), INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    ck_assert(!DeleteFileA(name));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    char byte = 'x';
    DWORD done;
    ck_assert(ReadFile(other, &byte, 1, &done, NULL));     /* the open one still works */
    ck_assert(CloseHandle(other));
    ck_assert(!exists(name));
    HANDLE again = CreateFileA(name, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    ck_assert_ptr_ne(again, INVALID_HANDLE_VALUE);       /* the name is free */
    ck_assert(CloseHandle(again));

    /* A read-only file cannot be opened for deletion. */
    ck_assert_int_eq(chmod(name, 0444), 0);
    ck_assert_ptr_eq(open_deleting(OPEN_EXISTING), INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    ck_assert(exists(name));
}
END_TEST

/* A mapping made from the flagged handle keeps the file until it goes, as
 * the section holds the file open. */
START_TEST(delete_on_close_waits_for_mappings)
{
    HANDLE deleting = open_deleting(CREATE_ALWAYS);
    HANDLE mapping = CreateFileMappingA(deleting, NULL, PAGE_READWRITE, 0, 4096, NULL);
    ck_assert_ptr_nonnull(mapping);
    char *view = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert_ptr_nonnull(view);
    ck_assert(CloseHandle(deleting));
    ck_assert(CloseHandle(mapping));
    ck_assert(exists(name));
    view[0] = 'v';
    ck_assert(UnmapViewOfFile(view));
    ck_assert(!exists(name));
}
END_TEST

/* The other process of delete_on_close_across_processes, this program
 * re-executed (a fork that goes on running shares its parent's open file
 * descriptions, and with them its opens, which no Windows process can). */
static int role_delete_peer(int opened, int proceed, BOOL pause_at_end)
{
    HANDLE other = open_plain(SHARE_ALL);
    char byte = other != INVALID_HANDLE_VALUE;
    if (write(opened, &byte, 1) != 1 || read(proceed, &byte, 1) != 1)
        return 1;
    /* Delete-pending now: this process cannot open it again either. */
    if (open_plain(SHARE_ALL) != INVALID_HANDLE_VALUE || GetLastError() != ERROR_ACCESS_DENIED)
        return 2;
    if (pause_at_end) {
        byte = 2;
        if (write(opened, &byte, 1) != 1)
            return 3;
        for (;;)
            pause();
    }
    return CloseHandle(other) ? 0 : 4;
}

__attribute__((constructor)) static void run_role(void)
{
    const char *role = getenv("W32MEM_FILE_ROLE");
    if (!role)
        return;
    snprintf(name, sizeof(name), "%s", getenv("W32MEM_FILE_NAME"));
    exit(role_delete_peer(atoi(getenv("W32MEM_FILE_OPENED")), atoi(getenv("W32MEM_FILE_PROCEED")),
                          strcmp(role, "delete-peer-killed") == 0));
}

/* Across processes: the other process's open keeps the file; its close
 * deletes it; and if it dies holding the last open, the next open deletes
 * the file and finds nothing. */
START_TEST(delete_on_close_across_processes)
{
    for (int killed = 0; killed < 2; killed++) {
        HANDLE deleting = open_deleting(CREATE_ALWAYS);
        ck_assert_ptr_ne(deleting, INVALID_HANDLE_VALUE);
        int opened[2], proceed[2];
        ck_assert_int_eq(pipe(opened), 0);
        ck_assert_int_eq(pipe(proceed), 0);
        fflush(NULL);
        pid_t child = fork();
        if (child == 0) {
            char number[16];
            setenv("W32MEM_FILE_ROLE", killed ? "delete-peer-killed" : "delete-peer", 1);
            setenv("W32MEM_FILE_NAME", name, 1);
            snprintf(number, sizeof(number), "%d", opened[1]);
            setenv("W32MEM_FILE_OPENED", number, 1);
            snprintf(number, sizeof(number), "%d", proceed[0]);
            setenv("W32MEM_FILE_PROCEED", number, 1);
            char program[4096];
            test_program_path(program, sizeof(program));
            execl(program, "test_file", (char *)NULL);
            _exit(97);
        }
        char byte = 0;
        ck_assert_int_eq(read(opened[0], &byte, 1), 1);
        ck_assert_int_eq(byte, 1);
        ck_assert(CloseHandle(deleting));
        ck_assert(exists(name));
        ck_assert_int_eq(write(proceed[1], &byte, 1), 1);
        int status;
        if (killed) {
            ck_assert_int_eq(read(opened[0], &byte, 1), 1);
            ck_assert_int_eq(byte, 2);
            kill(child, SIGKILL);
            ck_assert_int_eq(waitpid(child, &status, 0), child);
            ck_assert(WIFSIGNALED(status));
            ck_assert(exists(name));        /* nobody closed it, so nobody deleted it yet */
            ck_assert_ptr_eq(open_plain(SHARE_ALL), INVALID_HANDLE_VALUE);
            ck_assert_last_error(ERROR_FILE_NOT_FOUND);
        } else {
            ck_assert_int_eq(waitpid(child, &status, 0), child);
            ck_assert(WIFEXITED(status));
            ck_assert_int_eq(WEXITSTATUS(status), 0);
        }
        ck_assert(!exists(name));
        close(opened[0]);
        close(opened[1]);
        close(proceed[0]);
        close(proceed[1]);
    }
}
END_TEST

START_TEST(windows_paths)
{
    char drives[160];
    snprintf(drives, sizeof(drives), "c=%s;D=%s/d", scratch, scratch);
    setenv("W32MEM_DRIVES", drives, 1);
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/d", scratch);
    ck_assert_int_eq(mkdir(dir, 0700), 0);

    HANDLE h = CreateFileA("C:\\file.txt", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    ck_assert_ptr_ne(h, INVALID_HANDLE_VALUE);
    ck_assert(CloseHandle(h));
    char path[160];
    snprintf(path, sizeof(path), "%s/file.txt", scratch);
    ck_assert(exists(path));
    h = CreateFileA("d:\\sub\\..\\x.dat", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    ck_assert_ptr_eq(h, INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_PATH_NOT_FOUND);         /* d:\sub does not exist */
    h = CreateFileA("D:\\x.dat", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    ck_assert(CloseHandle(h));
    snprintf(path, sizeof(path), "%s/d/x.dat", scratch);
    ck_assert(exists(path));
    ck_assert_ptr_eq(CreateFileA("E:\\x", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL), INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_PATH_NOT_FOUND);         /* E: is not mapped */
    ck_assert_ptr_eq(CreateFileA("\\\\server\\share\\x", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL),
                     INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_BAD_NETPATH);

    /* Relative paths stay relative, with backslashes as separators. */
    char cwd[256];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    ck_assert_int_eq(chdir(scratch), 0);
    h = CreateFileA("d\\rel.txt", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    ck_assert_ptr_ne(h, INVALID_HANDLE_VALUE);
    ck_assert(CloseHandle(h));
    ck_assert_int_eq(chdir(cwd), 0);
    snprintf(path, sizeof(path), "%s/d/rel.txt", scratch);
    ck_assert(exists(path));

    WCHAR wide[] = { 'C', ':', '\\', 0x4e2d, '.', 't', 0 };
    h = CreateFileW(wide, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    ck_assert_ptr_ne(h, INVALID_HANDLE_VALUE);
    ck_assert(CloseHandle(h));
    snprintf(path, sizeof(path), "%s/\xe4\xb8\xad.t", scratch);
    ck_assert(exists(path));
    ck_assert(DeleteFileW(wide));
    ck_assert(!exists(path));
    unsetenv("W32MEM_DRIVES");
}
END_TEST

START_TEST(temp_names)
{
    char dir[MAX_PATH];
    setenv("TMPDIR", scratch, 1);
    DWORD length = GetTempPathA(sizeof(dir), dir);
    ck_assert_uint_eq(length, strlen(scratch) + 1);
    ck_assert_int_eq(dir[length - 1], '/');
    ck_assert_uint_eq(GetTempPathA(2, dir), strlen(scratch) + 2);   /* too small: the size needed */
    WCHAR wide[MAX_PATH];
    ck_assert_uint_eq(GetTempPathW(MAX_PATH, wide), strlen(scratch) + 1);
    unsetenv("TMPDIR");

    char file[MAX_PATH];
    UINT unique = GetTempFileNameA(scratch, "wmx", 0, file);
    ck_assert_uint_ne(unique, 0);
    ck_assert(exists(file));                            /* unique 0: created */
    char expected[MAX_PATH];
    snprintf(expected, sizeof(expected), "%s/wmx%X.tmp", scratch, unique);
    ck_assert_str_eq(file, expected);
    UINT second = GetTempFileNameA(scratch, "wmx", 0, expected);
    ck_assert_uint_ne(second, unique);
    ck_assert_uint_eq(GetTempFileNameA(scratch, "abc", 0x1234, file), 0x1234);
    ck_assert(!exists(file));                           /* a given number: only the name */
    ck_assert_uint_eq(GetTempFileNameA("/nonexistent-dir", "abc", 0, file), 0);
    ck_assert_last_error(ERROR_DIRECTORY);
    ck_assert_uint_eq(GetTempFileNameA("Z:\\no\\such\\directory", "abc", 0, file), 0);
    ck_assert_last_error(ERROR_DIRECTORY);
}
END_TEST

/* A synchronous handle given an OVERLAPPED transfers at its offset, reports
 * the count in InternalHigh and leaves the file pointer just past it. */
START_TEST(overlapped_offsets)
{
    HANDLE h = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD count;
    char buffer[16] = { 0 };
    ck_assert(WriteFile(h, "0123456789", 10, &count, NULL));

    OVERLAPPED at = { .Offset = 3 };
    ck_assert(ReadFile(h, buffer, 4, &count, &at));
    ck_assert_uint_eq(count, 4);
    ck_assert_str_eq(buffer, "3456");
    ck_assert_uint_eq(at.InternalHigh, 4);
    ck_assert_uint_eq(at.Internal, 0);
    ck_assert_uint_eq(SetFilePointer(h, 0, NULL, FILE_CURRENT), 7);

    OVERLAPPED past = { .Offset = 20 };
    count = 99;
    ck_assert(!ReadFile(h, buffer, 4, &count, &past));  /* past the end: EOF, unlike a plain read */
    ck_assert_last_error(ERROR_HANDLE_EOF);
    ck_assert_uint_eq(count, 0);
    ck_assert_uint_eq(past.InternalHigh, 0);
    OVERLAPPED none = { .Offset = 20 };
    ck_assert(ReadFile(h, buffer, 0, NULL, &none));     /* the count is optional with an OVERLAPPED */

    OVERLAPPED write_at = { .Offset = 12 };
    ck_assert(WriteFile(h, "ab", 2, NULL, &write_at));
    ck_assert_uint_eq(write_at.InternalHigh, 2);
    ck_assert_uint_eq(SetFilePointer(h, 0, NULL, FILE_CURRENT), 14);
    ck_assert_uint_eq(GetFileSize(h, NULL), 14);
    OVERLAPPED gap = { .Offset = 10 };
    memset(buffer, 'x', sizeof(buffer));
    ck_assert(ReadFile(h, buffer, 4, &count, &gap));
    ck_assert_mem_eq(buffer, "\0\0ab", 4);               /* the hole reads as zeros */

    ck_assert(!ReadFile(h, buffer, 1, NULL, NULL));
    ck_assert_last_error(ERROR_NOACCESS);
    ck_assert(!WriteFile(h, "x", 1, NULL, NULL));
    ck_assert_last_error(ERROR_NOACCESS);
    ck_assert(CloseHandle(h));
}
END_TEST

/* Buffers the process cannot access fail the transfer with ERROR_NOACCESS. */
START_TEST(inaccessible_buffers)
{
    HANDLE h = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD count = 99;
    ck_assert(WriteFile(h, "0123456789", 10, &count, NULL));
    char *reserved = VirtualAlloc(NULL, 4096, MEM_RESERVE, PAGE_NOACCESS);
    ck_assert_ptr_nonnull(reserved);
    DELIBERATE_BAD_ACCESS_BEGIN();
    BOOL wrote = WriteFile(h, reserved, 16, &count, NULL);
    DELIBERATE_BAD_ACCESS_END();
    ck_assert(!wrote);
    ck_assert_last_error(ERROR_NOACCESS);
    ck_assert_uint_eq(count, 0);
    ck_assert_uint_eq(SetFilePointer(h, 0, NULL, FILE_BEGIN), 0);
    DELIBERATE_BAD_ACCESS_BEGIN();
    BOOL read = ReadFile(h, reserved, 4, &count, NULL);
    DELIBERATE_BAD_ACCESS_END();
    ck_assert(!read);
    ck_assert_last_error(ERROR_NOACCESS);
    ck_assert(VirtualFree(reserved, 0, MEM_RELEASE));
    ck_assert(CloseHandle(h));
}
END_TEST

/* A handle with FILE_APPEND_DATA but not FILE_WRITE_DATA writes only at the end. */
START_TEST(append_only_access)
{
    HANDLE h = CreateFileA(name, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD count;
    ck_assert(WriteFile(h, "hello", 5, &count, NULL));
    HANDLE append = CreateFileA(name, FILE_APPEND_DATA | FILE_READ_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                NULL, OPEN_EXISTING, 0, NULL);
    ck_assert_ptr_ne(append, INVALID_HANDLE_VALUE);
    ck_assert(WriteFile(append, " world", 6, &count, NULL));
    ck_assert_uint_eq(count, 6);
    OVERLAPPED start = { .Offset = 0 };
    ck_assert(WriteFile(append, "!", 1, &count, &start));     /* still at the end */
    ck_assert(!SetEndOfFile(append));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    char buffer[16] = { 0 };
    ck_assert_uint_eq(SetFilePointer(append, 0, NULL, FILE_BEGIN), 0);
    ck_assert(ReadFile(append, buffer, sizeof(buffer) - 1, &count, NULL));
    ck_assert_str_eq(buffer, "hello world!");
    ck_assert(CloseHandle(append));
    ck_assert(CloseHandle(h));
}
END_TEST

START_TEST(directories_and_odd_names)
{
    char dir[128], path[160];
    snprintf(dir, sizeof(dir), "%s/dir", scratch);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    ck_assert_ptr_eq(CreateFileA(dir, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL), INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_ACCESS_DENIED);          /* a directory needs backup semantics */
    ck_assert_ptr_eq(CreateFileA(dir, GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL), INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    HANDLE h = CreateFileA(dir, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    ck_assert_ptr_ne(h, INVALID_HANDLE_VALUE);
    ck_assert(CloseHandle(h));
    ck_assert(!DeleteFileA(dir));
    ck_assert_last_error(ERROR_ACCESS_DENIED);          /* DeleteFile never removes a directory */

    h = CreateFileA(name, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_READONLY, NULL);
    ck_assert(CloseHandle(h));
    snprintf(path, sizeof(path), "%s/x", name);
    ck_assert_ptr_eq(CreateFileA(path, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL), INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_PATH_NOT_FOUND);         /* a file on the way is no directory */
    ck_assert(!DeleteFileA(name));
    ck_assert_last_error(ERROR_ACCESS_DENIED);          /* read-only */
    ck_assert(exists(name));
    ck_assert(!DeleteFileA(path));
    ck_assert_last_error(ERROR_PATH_NOT_FOUND);
    ck_assert_int_eq(chmod(name, 0600), 0);
    ck_assert(DeleteFileA(name));

    snprintf(path, sizeof(path), "%s/fifo", scratch);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert(DeleteFileA(path));                       /* not a regular file: removed all the same */
    ck_assert(!exists(path));

    ck_assert(!DeleteFileA(""));
    ck_assert_last_error(ERROR_PATH_NOT_FOUND);
    ck_assert(!DeleteFileW(NULL));
    ck_assert_last_error(ERROR_PATH_NOT_FOUND);
    ck_assert_ptr_eq(CreateFileW(NULL, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL), INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_PATH_NOT_FOUND);
    ck_assert_ptr_eq(CreateFileA(name, GENERIC_READ, 0x80, NULL, OPEN_EXISTING, 0, NULL), INVALID_HANDLE_VALUE);
    ck_assert_last_error(ERROR_INVALID_PARAMETER);      /* an unknown share bit */
}
END_TEST

START_TEST(sizes_and_pointers_at_the_error_value)
{
    HANDLE h = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    LONG high = 0;
    SetLastError(77);
    /* 0xFFFFFFFF is a real position and size: the last error tells them apart */
    ck_assert_uint_eq(SetFilePointer(h, (LONG)0xFFFFFFFF, &high, FILE_BEGIN), INVALID_SET_FILE_POINTER);
    ck_assert_last_error(ERROR_SUCCESS);
    ck_assert_int_eq(high, 0);
    ck_assert(SetEndOfFile(h));
    SetLastError(77);
    ck_assert_uint_eq(GetFileSize(h, NULL), INVALID_FILE_SIZE);
    ck_assert_last_error(ERROR_SUCCESS);
    ck_assert(CloseHandle(h));

    ck_assert_uint_eq(GetFileSize(h, NULL), INVALID_FILE_SIZE);
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    LARGE_INTEGER size;
    ck_assert(!GetFileSizeEx(h, &size));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert(!GetFileSizeEx(GetCurrentProcess(), NULL));
    ck_assert_last_error(ERROR_NOACCESS);
    ck_assert_uint_eq(SetFilePointer(h, 0, NULL, FILE_BEGIN), INVALID_SET_FILE_POINTER);
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert(!SetEndOfFile(h));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert(!FlushFileBuffers(h));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
}
END_TEST

START_TEST(wide_temp_names)
{
    WCHAR dir[MAX_PATH], prefix[] = { 'w', 0x4e2d, 0 }, out[MAX_PATH];
    ck_assert_uint_lt(wide_from_utf8(scratch, dir, MAX_PATH), MAX_PATH);
    UINT unique = GetTempFileNameW(dir, prefix, 0, out);
    ck_assert_uint_ne(unique, 0);
    ck_assert_last_error(ERROR_SUCCESS);
    char expected[MAX_PATH];
    snprintf(expected, sizeof(expected), "%s/w\xe4\xb8\xad%X.tmp", scratch, unique);
    ck_assert(exists(expected));                         /* created, with the UTF-8 name */
    char *back = utf8_from_wide(out);
    ck_assert_str_eq(back, expected);
    free(back);
    WCHAR long_prefix[] = { 0x4e2d, 0x6587, 0xe9, 'z', 0 };
    ck_assert_uint_eq(GetTempFileNameW(dir, long_prefix, 0x1f, out), 0x1f);
    back = utf8_from_wide(out);
    snprintf(expected, sizeof(expected), "%s/\xe4\xb8\xad\xe6\x96\x87\xc3\xa9" "1F.tmp", scratch);
    ck_assert_str_eq(back, expected);                   /* three characters, not three bytes */
    free(back);
    ck_assert_uint_eq(GetTempFileNameW(dir, NULL, 0x2a, out), 0x2a);
    back = utf8_from_wide(out);
    snprintf(expected, sizeof(expected), "%s/2A.tmp", scratch);
    ck_assert_str_eq(back, expected);
    free(back);

    ck_assert_uint_eq(GetTempFileNameW(NULL, prefix, 0, out), 0);
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert_uint_eq(GetTempFileNameA(scratch, "x", 0, NULL), 0);
    ck_assert_last_error(ERROR_INVALID_PARAMETER);

    /* A directory whose temp names would not fit in MAX_PATH. */
    char deep[MAX_PATH + 64];
    int length = snprintf(deep, sizeof(deep), "%s", scratch);
    while (length < MAX_PATH - 10) {
        length += snprintf(deep + length, sizeof(deep) - (size_t)length, "/%s", "abcdefghijklmnopqrstuvwxyz");
        ck_assert_int_eq(mkdir(deep, 0700), 0);
    }
    char file[MAX_PATH];
    ck_assert_uint_eq(GetTempFileNameA(deep, "abc", 0, file), 0);
    ck_assert_last_error(ERROR_BUFFER_OVERFLOW);

    setenv("TMPDIR", "relative/dir", 1);                 /* only an absolute TMPDIR counts */
    char temp[MAX_PATH];
    ck_assert_uint_eq(GetTempPathA(sizeof(temp), temp), 5);
    ck_assert_str_eq(temp, "/tmp/");
    unsetenv("TMPDIR");
}
END_TEST

/* Names are UTF-16 on Windows and UTF-8 here: characters beyond the BMP
 * travel as surrogate pairs both ways. */
START_TEST(wide_names_beyond_the_bmp)
{
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/\xf0\x9f\x98\x80", scratch);     /* U+1F600 */
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    setenv("TMPDIR", dir, 1);
    WCHAR temp[MAX_PATH];
    DWORD length = GetTempPathW(MAX_PATH, temp);
    ck_assert_uint_eq(length, strlen(scratch) + 4);     /* '/', two surrogates, '/' */
    ck_assert_uint_eq(temp[length - 3], 0xd83d);
    ck_assert_uint_eq(temp[length - 2], 0xde00);
    ck_assert_uint_eq(temp[length - 1], '/');
    ck_assert_uint_eq(GetTempPathW(3, temp), length + 1);   /* too small: the size needed */
    unsetenv("TMPDIR");

    WCHAR file[MAX_PATH];
    length = wide_from_utf8(dir, file, MAX_PATH);
    WCHAR leaf[] = { '/', 0xd83d, 0xde00, 0x00e9, 'x', 0 };    /* U+1F600 and é */
    memcpy(file + length, leaf, sizeof(leaf));
    HANDLE h = CreateFileW(file, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    ck_assert_ptr_ne(h, INVALID_HANDLE_VALUE);
    ck_assert(CloseHandle(h));
    char path[160];
    snprintf(path, sizeof(path), "%s/\xf0\x9f\x98\x80\xc3\xa9x", dir);
    ck_assert(exists(path));
    ck_assert(DeleteFileW(file));
    ck_assert(!exists(path));

    WCHAR converted[8];
    ck_assert_uint_eq(wide_from_utf8("a\xff" "b\xe4\xb8", converted, 8), 4);
    ck_assert_uint_eq(converted[1], 0xfffd);            /* invalid bytes become U+FFFD */
    ck_assert_uint_eq(converted[3], 0xfffd);
    ck_assert_uint_eq(wide_from_utf8("\xf0\x9f\x98\x80", NULL, 0), 3);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("file");
    TCase *tc = tcase_create("file");
    tcase_add_checked_fixture(tc, make_scratch, remove_scratch);
    tcase_add_test(tc, dispositions);
    tcase_add_test(tc, read_write_seek_size);
    tcase_add_test(tc, share_modes);
    tcase_add_test(tc, delete_on_close);
    tcase_add_test(tc, delete_on_close_waits_for_every_open);
    tcase_add_test(tc, delete_on_close_waits_for_mappings);
    tcase_add_test(tc, delete_on_close_across_processes);
    tcase_add_test(tc, windows_paths);
    tcase_add_test(tc, temp_names);
    tcase_add_test(tc, overlapped_offsets);
    tcase_add_test(tc, inaccessible_buffers);
    tcase_add_test(tc, append_only_access);
    tcase_add_test(tc, directories_and_odd_names);
    tcase_add_test(tc, sizes_and_pointers_at_the_error_value);
    tcase_add_test(tc, wide_temp_names);
    tcase_add_test(tc, wide_names_beyond_the_bmp);
    suite_add_tcase(suite, tc);
    return suite;
}
