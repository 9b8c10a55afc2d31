/* Named mappings between real processes: children are this program
 * re-executed in a role (W32MEM_IPC_ROLE), so each is a fresh process that
 * knows only the mapping's name. */
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"
#include "namespace.h"
#include "probe.h"

#define SLOTS 4096
#define WRITERS 4
#define RACERS 6
#define RACE_ROUNDS 300

struct board {
    long ready;             /* atomic: children that have started */
    long go;                /* atomic */
    long counter;           /* atomic: incremented by every writer */
    long slots[SLOTS];      /* slot i written by writer i % WRITERS */
    char message[64];
};

static char name[64];

static void sleep_ms(int ms)
{
    struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

/* The abstract socket address of the name in the namespace of the user
 * that runs the test (W32MEM_IPC_OWNER in a child), as namespace.h says. */
static socklen_t owner_address(struct sockaddr_un *address)
{
    const char *owner = getenv("W32MEM_IPC_OWNER");
    unsigned long uid = owner ? strtoul(owner, NULL, 10) : (unsigned long)geteuid();
    memset(address, 0, sizeof(*address));
    address->sun_family = AF_UNIX;
    int length = snprintf(address->sun_path + 1, sizeof(address->sun_path) - 1, "w32mem-%lu/l-%s", uid,
                          name + strlen("Local\\"));
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)length);
}

/* --- Roles, run in the re-executed child ------------------------------ */

/* Starts before the writer exists, waits for the name, then for the message. */
static int role_early_reader(void)
{
    HANDLE m = NULL;
    for (int tries = 0; !m && tries < 2000; tries++) {
        m = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
        if (!m) {
            if (GetLastError() != ERROR_FILE_NOT_FOUND)
                return 10;
            sleep_ms(5);
        }
    }
    if (!m)
        return 11;
    struct board *board = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
    if (!board)
        return 12;
    for (int tries = 0; !__atomic_load_n(&board->go, __ATOMIC_ACQUIRE) && tries < 2000; tries++)
        sleep_ms(5);
    int ok = strcmp(board->message, "written first") == 0;
    UnmapViewOfFile(board);
    CloseHandle(m);
    return ok ? 0 : 13;
}

static int role_writer(int index)
{
    HANDLE m = OpenFileMappingA(FILE_MAP_WRITE, FALSE, name);
    struct board *board = m ? MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    if (!board)
        return 20;
    CloseHandle(m);                     /* the view keeps the section */
    __atomic_add_fetch(&board->ready, 1, __ATOMIC_ACQ_REL);
    while (!__atomic_load_n(&board->go, __ATOMIC_ACQUIRE))
        sleep_ms(1);
    for (int round = 0; round < 100; round++) {
        for (int slot = index; slot < SLOTS; slot += WRITERS)
            __atomic_add_fetch(&board->slots[slot], 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&board->counter, 1, __ATOMIC_RELEASE);
    }
    return UnmapViewOfFile(board) ? 0 : 21;
}

/* Opens the mapping, signals, and waits to be killed, holding its handle
 * and view, or only its handle, or only its view. */
static int role_holder(BOOL keep_handle, BOOL keep_view)
{
    HANDLE m = OpenFileMappingA(FILE_MAP_WRITE, FALSE, name);
    struct board *board = m ? MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    if (!board)
        return 30;
    __atomic_add_fetch(&board->ready, 1, __ATOMIC_ACQ_REL);
    if (!keep_view && !UnmapViewOfFile(board))
        return 31;
    if (!keep_handle && !CloseHandle(m))
        return 32;
    for (;;)
        pause();
}

/* Creates and closes one name over and over; every object it sees must be
 * whole (its stamp set) and every first creator must find it empty. */
static int role_racer(void)
{
    for (int round = 0; round < RACE_ROUNDS; round++) {
        HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x10000, name);
        if (!m) {
            fprintf(stderr, "racer: CreateFileMapping failed with %lu\n", (unsigned long)GetLastError());
            return 40;
        }
        BOOL existed = GetLastError() == ERROR_ALREADY_EXISTS;
        long *stamp = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
        if (!stamp)
            return 41;
        if (existed) {
            /* Somebody else created it and set the stamp first, or is about to: wait briefly. */
            for (int tries = 0; !__atomic_load_n(stamp, __ATOMIC_ACQUIRE) && tries < 1000; tries++)
                sleep_ms(1);
            if (!__atomic_load_n(stamp, __ATOMIC_ACQUIRE))
                return 42;
        } else if (__atomic_exchange_n(stamp, (long)getpid(), __ATOMIC_ACQ_REL) != 0) {
            return 43;              /* a "new" object that someone had already used: stale */
        }
        __atomic_add_fetch(&stamp[1], 1, __ATOMIC_ACQ_REL);   /* holders, as seen by the object */
        __atomic_sub_fetch(&stamp[1], 1, __ATOMIC_ACQ_REL);
        UnmapViewOfFile(stamp);
        CloseHandle(m);
    }
    return 0;
}

/* A SEC_RESERVE section's first page, committed by the creator before the
 * peer maps it: the two processes' meeting place. */
struct reserve_board {
    long ready, go, peer_committed;
};

static size_t page(void)
{
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    return info.dwPageSize;
}

static BOOL shows(const void *address, DWORD state, DWORD protect)
{
    MEMORY_BASIC_INFORMATION info;
    return VirtualQuery(address, &info, sizeof(info)) == sizeof(info) && info.State == state &&
           info.Protect == protect && info.Type == MEM_MAPPED;
}

/* Uses the page the creator committed with no Virtual* call first, then
 * commits one for the creator to use the same way. */
static int role_reserve_peer(void)
{
    HANDLE m = OpenFileMappingA(FILE_MAP_WRITE, FALSE, name);
    char *view = m ? MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    if (!view)
        return 60;
    struct reserve_board *board = (struct reserve_board *)view;
    size_t p = page();
    __atomic_store_n(&board->ready, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&board->go, __ATOMIC_ACQUIRE))
        sleep_ms(1);
    if (view[p] != 'a')
        return 61;
    view[p + 1] = 'b';
    if (!shows(view + p, MEM_COMMIT, PAGE_READWRITE) || !shows(view + 3 * p, MEM_RESERVE, 0))
        return 62;
    if (!access_faults(view + 3 * p, false))
        return 63;                  /* committed nowhere: still inaccessible */
    if (VirtualAlloc(view + 2 * p, p, MEM_COMMIT, PAGE_READWRITE) != view + 2 * p)
        return 64;
    view[2 * p] = 'c';
    __atomic_store_n(&board->peer_committed, 1, __ATOMIC_RELEASE);
    return UnmapViewOfFile(view) && CloseHandle(m) ? 0 : 65;
}

/* Another user must neither open nor squat on our names. */
static int role_stranger(void)
{
    if (OpenFileMappingA(FILE_MAP_READ, FALSE, name))
        return 50;
    if (GetLastError() != ERROR_FILE_NOT_FOUND)
        return 51;
    HANDLE own = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, name);
    if (!own || GetLastError() != ERROR_SUCCESS)
        return 52;                  /* its own, separate object of the same name */
    CloseHandle(own);
    /* Knocking at our socket directly gets nothing either. */
    int knock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un address;
    socklen_t size = owner_address(&address);
    if (knock < 0 || connect(knock, (struct sockaddr *)&address, size) != 0)
        return 53;
    char byte, control[256];
    struct iovec iov = { &byte, 1 };
    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                              .msg_controllen = sizeof(control) };
    ssize_t got = recvmsg(knock, &message, 0);
    if (got > 0 || message.msg_controllen != 0)
        return 54;
    close(knock);
    return 0;
}

/* Another user binds our name first (listening or not) and holds it. */
static int role_squatter(BOOL listening)
{
    int squat = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un address;
    socklen_t size = owner_address(&address);
    if (squat < 0 || bind(squat, (struct sockaddr *)&address, size) != 0)
        return 60;
    if (listening && listen(squat, 16) != 0)
        return 61;
    for (;;) {
        int intruder = accept(squat, NULL, NULL);
        if (intruder >= 0)
            close(intruder);
        else
            pause();
    }
}

__attribute__((constructor)) static void run_role(void)
{
    const char *role = getenv("W32MEM_IPC_ROLE");
    const char *shared_name = getenv("W32MEM_IPC_NAME");
    if (!role || !shared_name)
        return;
    snprintf(name, sizeof(name), "%s", shared_name);
    int status = 99;
    if (strcmp(role, "early-reader") == 0)
        status = role_early_reader();
    else if (strncmp(role, "writer", 6) == 0)
        status = role_writer(atoi(role + 6));
    else if (strcmp(role, "holder") == 0)
        status = role_holder(TRUE, TRUE);
    else if (strcmp(role, "handle-holder") == 0)
        status = role_holder(TRUE, FALSE);
    else if (strcmp(role, "view-holder") == 0)
        status = role_holder(FALSE, TRUE);
    else if (strcmp(role, "racer") == 0)
        status = role_racer();
    else if (strcmp(role, "stranger") == 0)
        status = role_stranger();
    else if (strcmp(role, "squatter") == 0)
        status = role_squatter(TRUE);
    else if (strcmp(role, "deaf-squatter") == 0)
        status = role_squatter(FALSE);
    else if (strcmp(role, "reserve-peer") == 0)
        status = role_reserve_peer();
    exit(status);
}

/* --- The parent ---------------------------------------------------------- */

static pid_t spawn(const char *role, uid_t uid)
{
    char owner[32];
    snprintf(owner, sizeof(owner), "%lu", (unsigned long)geteuid());
    char program[4096];
    test_program_path(program, sizeof(program));
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        if (uid && (setgid(uid) != 0 || setuid(uid) != 0))
            _exit(98);
        setenv("W32MEM_IPC_OWNER", owner, 1);
        setenv("W32MEM_IPC_ROLE", role, 1);
        setenv("W32MEM_IPC_NAME", name, 1);
        execl(program, "test_ipc", (char *)NULL);
        _exit(97);
    }
    ck_assert_int_gt(child, 0);
    return child;
}

static int reap(pid_t child)
{
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Names of this test process's objects bound in the abstract socket
 * namespace (other programs of the same user may be using names of their
 * own). */
static int namespace_entries(void)
{
    FILE *sockets = fopen("/proc/net/unix", "r");
    ck_assert_ptr_nonnull(sockets);
    char pattern[96];
    snprintf(pattern, sizeof(pattern), "@w32mem-%lu/l-w32mem-ipc-%d-", (unsigned long)geteuid(), (int)getpid());
    int count = 0;
    char line[512];
    while (fgets(line, sizeof(line), sockets))
        count += strstr(line, pattern) != NULL;
    fclose(sockets);
    return count;
}

static void unique_name(void)
{
    static int serial;
    snprintf(name, sizeof(name), "Local\\w32mem-ipc-%d-%d", (int)getpid(), serial++);
}

static struct board *create_board(HANDLE *mapping)
{
    *mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, sizeof(struct board), name);
    ck_assert_ptr_nonnull(*mapping);
    ck_assert_uint_eq(GetLastError(), ERROR_SUCCESS);
    struct board *board = MapViewOfFile(*mapping, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert_ptr_nonnull(board);
    return board;
}

START_TEST(reader_starts_first)
{
    unique_name();
    ck_assert_int_eq(namespace_entries(), 0);
    int before = 0;
    pid_t reader = spawn("early-reader", 0);
    sleep_ms(50);
    HANDLE m;
    struct board *board = create_board(&m);
    strcpy(board->message, "written first");
    __atomic_store_n(&board->go, 1, __ATOMIC_RELEASE);
    ck_assert_int_eq(reap(reader), 0);
    ck_assert(UnmapViewOfFile(board));
    ck_assert(CloseHandle(m));
    ck_assert_int_eq(namespace_entries(), before);
}
END_TEST

START_TEST(concurrent_writers)
{
    unique_name();
    HANDLE m;
    struct board *board = create_board(&m);
    pid_t writers[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        char role[16];
        snprintf(role, sizeof(role), "writer%d", i);
        writers[i] = spawn(role, 0);
    }
    while (__atomic_load_n(&board->ready, __ATOMIC_ACQUIRE) < WRITERS)
        sleep_ms(1);
    __atomic_store_n(&board->go, 1, __ATOMIC_RELEASE);
    long seen = 0;
    while (seen < WRITERS * 100) {
        long now = __atomic_load_n(&board->counter, __ATOMIC_ACQUIRE);
        ck_assert_int_ge(now, seen);                    /* a reader sees progress only forwards */
        seen = now;
    }
    for (int i = 0; i < WRITERS; i++)
        ck_assert_int_eq(reap(writers[i]), 0);
    for (int slot = 0; slot < SLOTS; slot++)
        ck_assert_int_eq(board->slots[slot], 100);
    ck_assert(UnmapViewOfFile(board));
    ck_assert(CloseHandle(m));
}
END_TEST

START_TEST(killed_holders_leave_nothing)
{
    unique_name();
    ck_assert_int_eq(namespace_entries(), 0);
    int before = 0;
    HANDLE m;
    struct board *board = create_board(&m);
    pid_t holder = spawn("holder", 0);
    while (__atomic_load_n(&board->ready, __ATOMIC_ACQUIRE) < 1)
        sleep_ms(1);
    ck_assert_int_eq(namespace_entries(), before + 1);
    /* The creator goes first: the name lives on in the holder. */
    ck_assert(UnmapViewOfFile(board));
    ck_assert(CloseHandle(m));
    HANDLE still = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
    ck_assert_ptr_nonnull(still);
    ck_assert(CloseHandle(still));
    kill(holder, SIGKILL);
    ck_assert_int_eq(reap(holder), 128 + SIGKILL);
    /* Nobody holds it now: the name is gone, and a create makes a new object. */
    ck_assert_ptr_null(OpenFileMappingA(FILE_MAP_READ, FALSE, name));
    ck_assert_uint_eq(GetLastError(), ERROR_FILE_NOT_FOUND);
    ck_assert_int_eq(namespace_entries(), before);
    board = create_board(&m);
    ck_assert_int_eq(board->ready, 0);
    ck_assert(UnmapViewOfFile(board));
    ck_assert(CloseHandle(m));
    ck_assert_int_eq(namespace_entries(), before);
}
END_TEST

/* --- What a killed holder leaves: nothing ------------------------------- */

/* The inode of the socket bound at this test's current name, or 0. */
static unsigned long name_socket_inode(void)
{
    FILE *sockets = fopen("/proc/net/unix", "r");
    ck_assert_ptr_nonnull(sockets);
    char pattern[128];
    snprintf(pattern, sizeof(pattern), "@w32mem-%lu/l-%s\n", (unsigned long)geteuid(), name + strlen("Local\\"));
    unsigned long inode = 0;
    char line[512];
    while (fgets(line, sizeof(line), sockets)) {
        char *at = strstr(line, pattern);
        unsigned long found;
        /* Num RefCount Protocol Flags Type St Inode Path */
        if (at && sscanf(line, "%*s %*s %*s %*s %*s %*s %lu", &found) == 1)
            inode = found;
    }
    fclose(sockets);
    return inode;
}

/* The object memfds a process has open (st_dev and st_ino of each). */
static int object_files(pid_t pid, struct stat *files, int max)
{
    char directory[64];
    snprintf(directory, sizeof(directory), "/proc/%d/fd", (int)pid);
    DIR *dir = opendir(directory);
    ck_assert_ptr_nonnull(dir);
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) && count < max) {
        char link[400], target[256];
        snprintf(link, sizeof(link), "%s/%s", directory, entry->d_name);
        ssize_t length = readlink(link, target, sizeof(target) - 1);
        if (length <= 0)
            continue;
        target[length] = '\0';
        if (strstr(target, "memfd:w32mem-object") && stat(link, &files[count]) == 0)
            count++;
    }
    closedir(dir);
    return count;
}

/* Whether any process on the system still has the file open or mapped. */
static BOOL file_alive_anywhere(const struct stat *file)
{
    DIR *proc = opendir("/proc");
    ck_assert_ptr_nonnull(proc);
    BOOL alive = FALSE;
    struct dirent *process;
    while (!alive && (process = readdir(proc))) {
        if (process->d_name[0] < '0' || process->d_name[0] > '9')
            continue;
        char path[600];
        snprintf(path, sizeof(path), "/proc/%s/fd", process->d_name);
        DIR *fds = opendir(path);
        struct dirent *fd;
        while (fds && !alive && (fd = readdir(fds))) {
            struct stat st;
            snprintf(path, sizeof(path), "/proc/%s/fd/%s", process->d_name, fd->d_name);
            alive = stat(path, &st) == 0 && st.st_dev == file->st_dev && st.st_ino == file->st_ino;
        }
        if (fds)
            closedir(fds);
        snprintf(path, sizeof(path), "/proc/%s/maps", process->d_name);
        FILE *maps = fopen(path, "r");
        char line[512];
        while (maps && !alive && fgets(line, sizeof(line), maps)) {
            unsigned long inode;
            alive = strstr(line, "w32mem-object") && sscanf(line, "%*s %*s %*s %*s %lu", &inode) == 1 &&
                    inode == (unsigned long)file->st_ino;
        }
        if (maps)
            fclose(maps);
    }
    closedir(proc);
    return alive;
}

/* Anything under /dev/shm (two levels deep) whose name mentions this
 * test's names, the way a file-based namespace would have kept them. */
static int shm_leftovers(void)
{
    char mark[64];
    snprintf(mark, sizeof(mark), "w32mem-ipc-%d-", (int)getpid());
    int count = 0;
    DIR *top = opendir("/dev/shm");
    struct dirent *entry;
    while (top && (entry = readdir(top))) {
        if (entry->d_name[0] == '.')
            continue;
        count += strstr(entry->d_name, mark) != NULL;
        char path[300];
        snprintf(path, sizeof(path), "/dev/shm/%s", entry->d_name);
        DIR *inner = opendir(path);
        struct dirent *nested;
        while (inner && (nested = readdir(inner)))
            count += strstr(nested->d_name, mark) != NULL;
        if (inner)
            closedir(inner);
    }
    if (top)
        closedir(top);
    return count;
}

/* A pagefile or file-backed named mapping whose last holder (with a handle
 * and a view, with only a handle, or with only a view) is killed:
 * afterwards no name socket, no memfd, nothing in /dev/shm, and a create
 * makes a new object. */
START_TEST(last_holder_killed_leaves_nothing)
{
    static const char *const holders[] = { "holder", "handle-holder", "view-holder" };
    BOOL file_backed = _i >= 3, view_only = _i % 3 == 2;
    unique_name();
    char path[64] = "";
    HANDLE file = INVALID_HANDLE_VALUE;
    if (file_backed) {
        snprintf(path, sizeof(path), "/tmp/w32mem-ipc-%d-XXXXXX", (int)getpid());
        int fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        close(fd);
        file = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           OPEN_EXISTING, 0, NULL);
        ck_assert_ptr_ne(file, INVALID_HANDLE_VALUE);
    }
    HANDLE m = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, sizeof(struct board), name);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(GetLastError(), ERROR_SUCCESS);
    struct board *board = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert_ptr_nonnull(board);
    pid_t holder = spawn(holders[_i % 3], 0);
    while (__atomic_load_n(&board->ready, __ATOMIC_ACQUIRE) < 1)
        sleep_ms(1);
    struct stat objects[4];
    ck_assert_int_eq(object_files(holder, objects, 4), 1);
    unsigned long socket_inode = name_socket_inode();
    ck_assert_uint_ne(socket_inode, 0);
    /* The creator goes first: the holder alone keeps everything; or, if
     * it holds only a view, the name goes with this last handle (fact
     * 124), and the view keeps the object. */
    ck_assert(UnmapViewOfFile(board));
    ck_assert(CloseHandle(m));
    ck_assert_int_eq(namespace_entries(), view_only ? 0 : 1);
    ck_assert(file_alive_anywhere(&objects[0]));
    if (view_only) {
        ck_assert_ptr_null(OpenFileMappingA(FILE_MAP_READ, FALSE, name));
        ck_assert_uint_eq(GetLastError(), ERROR_FILE_NOT_FOUND);
    }

    kill(holder, SIGKILL);
    ck_assert_int_eq(reap(holder), 128 + SIGKILL);
    ck_assert_int_eq(namespace_entries(), 0);
    ck_assert_uint_eq(name_socket_inode(), 0);
    ck_assert(!file_alive_anywhere(&objects[0]));      /* so the kernel has freed it */
    ck_assert_int_eq(shm_leftovers(), 0);
    ck_assert_ptr_null(OpenFileMappingA(FILE_MAP_READ, FALSE, name));
    ck_assert_uint_eq(GetLastError(), ERROR_FILE_NOT_FOUND);

    m = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, sizeof(struct board), name);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(GetLastError(), ERROR_SUCCESS);
    board = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
    ck_assert_ptr_nonnull(board);
    /* The page file's object is new and empty; a file keeps its bytes. */
    ck_assert_int_eq(board->ready, file_backed ? 1 : 0);
    ck_assert(UnmapViewOfFile(board));
    ck_assert(CloseHandle(m));
    ck_assert_int_eq(namespace_entries(), 0);
    if (file_backed) {
        ck_assert(CloseHandle(file));
        unlink(path);
    }
}
END_TEST

START_TEST(create_close_race)
{
    unique_name();
    ck_assert_int_eq(namespace_entries(), 0);
    pid_t racers[RACERS];
    for (int i = 0; i < RACERS; i++)
        racers[i] = spawn("racer", 0);
    for (int i = 0; i < RACERS; i++)
        ck_assert_int_eq(reap(racers[i]), 0);
    ck_assert_int_eq(namespace_entries(), 0);
}
END_TEST

/* Racers killed in the middle of creating, opening and closing: whatever
 * moment each died at, nothing stays once all are gone. */
START_TEST(racers_killed_midway)
{
    unique_name();
    pid_t racers[RACERS];
    for (int i = 0; i < RACERS; i++)
        racers[i] = spawn("racer", 0);
    sleep_ms(40);
    for (int i = 0; i < RACERS; i += 2)
        kill(racers[i], SIGKILL);
    for (int i = 0; i < RACERS; i++) {
        int status = reap(racers[i]);
        /* A survivor may find an object whose creator died before stamping it (42). */
        ck_assert_msg(status == 0 || status == 42 || status == 128 + SIGKILL, "racer ended with %d", status);
    }
    ck_assert_int_eq(namespace_entries(), 0);
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x10000, name);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(GetLastError(), ERROR_SUCCESS);
    ck_assert(CloseHandle(m));
}
END_TEST

/* A commit in one process's view is in every process's views at once: the
 * other process reads and writes the page with no Virtual* call first, and
 * VirtualQuery there shows it committed. */
START_TEST(sec_reserve_commits_cross_processes)
{
    /* The peer's first access to a page committed elsewhere faults and is
     * retried once the fault handler has synced the commitment: memcheck
     * reports that first access as an invalid read. */
    if (UNDER_VALGRIND)
        return;
    unique_name();
    size_t p = page();
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0, (DWORD)(4 * p), name);
    ck_assert_ptr_nonnull(m);
    char *view = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert_ptr_nonnull(view);
    ck_assert_ptr_eq(VirtualAlloc(view, p, MEM_COMMIT, PAGE_READWRITE), view);
    struct reserve_board *board = (struct reserve_board *)view;
    pid_t peer = spawn("reserve-peer", 0);
    while (!__atomic_load_n(&board->ready, __ATOMIC_ACQUIRE))
        sleep_ms(1);
    ck_assert_ptr_eq(VirtualAlloc(view + p, p, MEM_COMMIT, PAGE_READWRITE), view + p);
    view[p] = 'a';
    __atomic_store_n(&board->go, 1, __ATOMIC_RELEASE);
    for (int tries = 0; !__atomic_load_n(&board->peer_committed, __ATOMIC_ACQUIRE) && tries < 10000; tries++)
        sleep_ms(1);
    ck_assert_int_eq(reap(peer), 0);
    /* The peer's commit, used here the same way. */
    ck_assert_int_eq(view[2 * p], 'c');
    view[2 * p + 1] = 'd';
    ck_assert_int_eq(view[p + 1], 'b');
    ck_assert(shows(view + 2 * p, MEM_COMMIT, PAGE_READWRITE));
    ck_assert(shows(view + 3 * p, MEM_RESERVE, 0));
    ck_assert_not_readable(view + 3 * p);
    ck_assert(UnmapViewOfFile(view));
    ck_assert(CloseHandle(m));
}
END_TEST

static struct passwd *other_user(void)
{
    struct passwd *nobody = getpwnam("nobody");
    ck_assert_ptr_nonnull(nobody);
    ck_assert_uint_ne(nobody->pw_uid, geteuid());
    return nobody;
}

START_TEST(other_users_are_strangers)
{
    if (geteuid() != 0)
        return;                     /* needs root to become someone else */
    struct passwd *nobody = other_user();
    unique_name();
    HANDLE m;
    struct board *board = create_board(&m);
    strcpy(board->message, "ours");
    pid_t stranger = spawn("stranger", nobody->pw_uid);
    ck_assert_int_eq(reap(stranger), 0);
    /* Our object is untouched. */
    ck_assert_int_eq(board->ready, 0);
    ck_assert_str_eq(board->message, "ours");
    ck_assert(UnmapViewOfFile(board));
    ck_assert(CloseHandle(m));
    ck_assert_int_eq(namespace_entries(), 0);
}
END_TEST

/* Another user binds one of our names first: creating and opening it are
 * clean errors, never that user's object, and the name works again once
 * the squatter is gone. */
START_TEST(squatted_names_are_refused)
{
    if (geteuid() != 0)
        return;
    struct passwd *nobody = other_user();
    unique_name();
    pid_t squatter = spawn(_i ? "deaf-squatter" : "squatter", nobody->pw_uid);
    while (namespace_entries() == 0)
        sleep_ms(1);
    ck_assert_ptr_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, name));
    ck_assert_uint_eq(GetLastError(), ERROR_ACCESS_DENIED);
    ck_assert_ptr_null(OpenFileMappingA(FILE_MAP_READ, FALSE, name));
    ck_assert_uint_eq(GetLastError(), ERROR_ACCESS_DENIED);
    kill(squatter, SIGKILL);
    ck_assert_int_eq(reap(squatter), 128 + SIGKILL);
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, name);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(GetLastError(), ERROR_SUCCESS);
    ck_assert(CloseHandle(m));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("ipc");
    TCase *tc = tcase_create("ipc");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, reader_starts_first);
    tcase_add_test(tc, concurrent_writers);
    tcase_add_test(tc, killed_holders_leave_nothing);
    tcase_add_loop_test(tc, last_holder_killed_leaves_nothing, 0, 6);
    tcase_add_test(tc, create_close_race);
    tcase_add_test(tc, racers_killed_midway);
    tcase_add_test(tc, sec_reserve_commits_cross_processes);
    tcase_add_test(tc, other_users_are_strangers);
    tcase_add_loop_test(tc, squatted_names_are_refused, 0, 2);
    suite_add_tcase(suite, tc);
    return suite;
}
