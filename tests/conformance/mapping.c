/* Conformance: CreateFileMapping, OpenFileMapping, MapViewOfFile(Ex),
 * UnmapViewOfFile, FlushViewOfFile, and VirtualQuery/Protect/Alloc/Free on
 * views (windows-behaviour.md sections O-T). Single process: the
 * cross-process behaviour is proven by tests/test_ipc.c. */
#include "conformance.h"

#define P 0x1000
#define MB 0x100000

static char path[MAX_PATH];

static HANDLE open_file(DWORD access, DWORD disposition)
{
    return CreateFileA(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, disposition, 0, NULL);
}

static void protections(void)
{
    static const DWORD protects[] = {
        PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, PAGE_EXECUTE, PAGE_EXECUTE_READ,
        PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY, 0, PAGE_READONLY | PAGE_READWRITE,
        PAGE_READWRITE | PAGE_GUARD, PAGE_READWRITE | SEC_RESERVE | SEC_COMMIT,
        PAGE_READWRITE | SEC_NOCACHE, PAGE_READWRITE | SEC_LARGE_PAGES, PAGE_READWRITE | SEC_FILE,
        PAGE_READWRITE | SEC_IMAGE, PAGE_READWRITE | SEC_RESERVE | SEC_NOCACHE,
    };
    unsigned i;

    heading("CreateFileMapping protection, pagefile-backed");
    for (i = 0; i < sizeof protects / sizeof protects[0]; i++) {
        HANDLE mapping = TRY(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, protects[i], 0, MB, NULL));

        handle_is(named("pagefile mapping prot 0x%lx", (unsigned long)protects[i]), mapping);
        if (mapping)
            CloseHandle(mapping);
    }
    handle_is("pagefile mapping size 0", TRY(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0, NULL)));
    handle_is("mapping of NULL handle", TRY(CreateFileMappingA(NULL, NULL, PAGE_READWRITE, 0, MB, NULL)));
}

static void view_of(HANDLE mapping, DWORD access, const char *label, SIZE_T size)
{
    char *view = TRY(MapViewOfFile(mapping, access, 0, 0, size));

    ptr_is(label, view, NULL);
    if (view) {
        query_is(named("%s query", label), view, view);
        UnmapViewOfFile(view);
    }
}

static void names_and_access(void)
{
    HANDLE mapping, same, opened, duplicate;
    char *view, *second;

    heading("names, access, views of a pagefile mapping");
    mapping = TRY(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, MB, "conformance map"));
    handle_is("create named", mapping);
    same = TRY(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READONLY, 0, 2 * MB, "conformance map"));
    handle_is("create named again", same);
    handle_is("create other case", TRY(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, MB, "CONFORMANCE MAP")));
    handle_is("open other case only", TRY(OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, "Conformance Map")));
    handle_is("open missing", TRY(OpenFileMappingA(FILE_MAP_READ, FALSE, "conformance no such map")));
    handle_is("open NULL name", TRY(OpenFileMappingA(FILE_MAP_READ, FALSE, NULL)));

    view = TRY(MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0));
    ptr_is("map write", view, NULL);
    yes_no("view 64K aligned", ((ULONG_PTR)view & 0xffff) == 0);
    query_is("map write query", view, view);
    query_is("map write query end", view + MB - 1, view);
    view[10] = 'm';
    second = TRY(MapViewOfFile(same, FILE_MAP_READ, 0, 0, 0));
    ptr_is("second view of same name", second, NULL);
    yes_no("second view differs", second != view);
    yes_no("second view sees data", second && second[10] == 'm');
    query_is("second view query", second, second);
    UnmapViewOfFile(second);

    opened = TRY(OpenFileMappingA(FILE_MAP_READ, FALSE, "conformance map"));
    handle_is("open read", opened);
    view_of(opened, FILE_MAP_WRITE, "read handle map write", 0);
    view_of(opened, FILE_MAP_READ, "read handle map read", 0);
    CloseHandle(opened);
    opened = TRY(OpenFileMappingA(FILE_MAP_WRITE, FALSE, "conformance map"));
    view_of(opened, FILE_MAP_READ, "write handle map read", 0);
    view_of(opened, FILE_MAP_WRITE, "write handle map write", 0);
    CloseHandle(opened);
    opened = TRY(OpenFileMappingA(FILE_MAP_COPY, FALSE, "conformance map"));
    handle_is("open copy", opened);
    view_of(opened, FILE_MAP_COPY, "copy handle map copy", 0);
    CloseHandle(opened);

    bool_is("duplicate read", TRY(DuplicateHandle(GetCurrentProcess(), mapping, GetCurrentProcess(), &duplicate, FILE_MAP_READ, FALSE, 0)));
    view_of(duplicate, FILE_MAP_WRITE, "duplicate read map write", 0);
    view_of(duplicate, 0, "duplicate read map 0", 0);
    CloseHandle(duplicate);
    DuplicateHandle(GetCurrentProcess(), mapping, GetCurrentProcess(), &duplicate, 0, FALSE, 0);
    view_of(duplicate, 0, "duplicate 0 map 0", 0);
    CloseHandle(duplicate);
    DuplicateHandle(GetCurrentProcess(), mapping, GetCurrentProcess(), &duplicate, FILE_MAP_READ | FILE_MAP_WRITE, FALSE, 0);
    view_of(duplicate, FILE_MAP_WRITE, "duplicate read|write map write", 0);
    CloseHandle(duplicate);

    view_of(mapping, FILE_MAP_READ, "map read", 0);
    view_of(mapping, FILE_MAP_COPY, "map copy", 0);
    view_of(mapping, 0, "map 0", 0);
    view_of(mapping, FILE_MAP_ALL_ACCESS, "map all access", 0);
    view_of(mapping, FILE_MAP_READ | FILE_MAP_COPY, "map read|copy", 0);
    view_of(mapping, FILE_MAP_EXECUTE | FILE_MAP_READ, "map execute|read on RW mapping", 0);
    view_of(mapping, FILE_MAP_WRITE, "map 4090", 4090);
    ptr_is("map too large", TRY(MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, MB + 1)), NULL);
    ptr_is("map offset 1", TRY(MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 1, P)), NULL);
    ptr_is("map offset 64K", TRY(MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0x10000, 0)), NULL);
    ptr_is("map offset 64K past size", TRY(MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0x10000, MB)), NULL);
    ptr_is("map offset at end", TRY(MapViewOfFile(mapping, FILE_MAP_WRITE, 0, MB, 0)), NULL);
    ptr_is("map NULL handle", TRY(MapViewOfFile(NULL, FILE_MAP_READ, 0, 0, 0)), NULL);

    second = VirtualAlloc(NULL, MB, MEM_RESERVE, PAGE_NOACCESS);
    VirtualFree(second, 0, MEM_RELEASE);
    ptr_is("map ex at free address", TRY(MapViewOfFileEx(mapping, FILE_MAP_WRITE, 0, 0, 0, second)), second);
    query_is("map ex at free address query", second, second);
    ptr_is("map ex over a view", TRY(MapViewOfFileEx(mapping, FILE_MAP_WRITE, 0, 0, 0, second)), second);
    UnmapViewOfFile(second);
    ptr_is("map ex unaligned +42", TRY(MapViewOfFileEx(mapping, FILE_MAP_WRITE, 0, 0, 0, second + 42)), second);
    ptr_is("map ex unaligned +0x1000", TRY(MapViewOfFileEx(mapping, FILE_MAP_WRITE, 0, 0, 0, second + 0x1000)), second);

    bool_is("close mapping with view", TRY(CloseHandle(mapping)));
    bool_is("close second handle", TRY(CloseHandle(same)));
    query_is("view after closing handles", view, view);
    yes_no("view data after closing handles", view[10] == 'm');
    handle_is("open after last handle closed", TRY(OpenFileMappingA(FILE_MAP_READ, FALSE, "conformance map")));
    mapping = TRY(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, MB, "conformance map"));
    handle_is("create name again after close", mapping);
    CloseHandle(mapping);
    bool_is("unmap", TRY(UnmapViewOfFile(view)));
    query_is("unmapped query", view, view);
    bool_is("unmap again", TRY(UnmapViewOfFile(view)));
}

static void views(void)
{
    HANDLE mapping;
    char *view, *second, *private_memory;
    DWORD old;

    heading("SEC_RESERVE and SEC_COMMIT views");
    mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0, MB, NULL);
    handle_is("sec reserve", mapping);
    view = TRY(MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0));
    query_is("sec reserve view", view, view);
    ptr_is("sec reserve commit", TRY(VirtualAlloc(view, 0x10000, MEM_COMMIT, PAGE_READONLY)), view);
    query_is("sec reserve committed", view, view);
    query_is("sec reserve rest", view + 0x10000, view);
    second = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0);
    query_is("sec reserve second view", second, second);
    query_is("sec reserve second view rest", second + 0x10000, second);
    bool_is("decommit view", TRY(VirtualFree(view, 0x10000, MEM_DECOMMIT)));
    bool_is("release view", TRY(VirtualFree(view, 0, MEM_RELEASE)));
    ptr_is("reset view", TRY(VirtualAlloc(view, MB, MEM_RESET, PAGE_READWRITE)), view);
    UnmapViewOfFile(second);
    bool_is("unmap inside view", TRY(UnmapViewOfFile(view + 0x1234)));
    query_is("unmap inside view query", view, view);
    CloseHandle(mapping);

    mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_COMMIT, 0, MB, NULL);
    view = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0);
    query_is("sec commit view", view, view);
    ptr_is("sec commit commit RO", TRY(VirtualAlloc(view, 0x10000, MEM_COMMIT, PAGE_READONLY)), view);
    query_is("sec commit commit RO query", view, view);
    bool_is("protect view RW", TRY(VirtualProtect(view, P, PAGE_READWRITE, &old)));
    num_is("protect view RW old", old);
    bool_is("protect view execute RW", TRY(VirtualProtect(view, P, PAGE_EXECUTE_READWRITE, &old)));
    bool_is("protect view writecopy", TRY(VirtualProtect(view, P, PAGE_WRITECOPY, &old)));
    bool_is("protect view noaccess", TRY(VirtualProtect(view, P, PAGE_NOACCESS, &old)));
    query_is("protect view noaccess query", view, view);
    bool_is("flush view", TRY(FlushViewOfFile(view, 0)));
    bool_is("flush view middle", TRY(FlushViewOfFile(view + 0x1234, 10)));
    UnmapViewOfFile(view);
    view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
    query_is("read view", view, view);
    bool_is("protect read view RO", TRY(VirtualProtect(view, P, PAGE_READONLY, &old)));
    bool_is("protect read view writecopy", TRY(VirtualProtect(view, P, PAGE_WRITECOPY, &old)));
    bool_is("protect read view RW", TRY(VirtualProtect(view, P, PAGE_READWRITE, &old)));
    bool_is("protect read view execute read", TRY(VirtualProtect(view, P, PAGE_EXECUTE_READ, &old)));
    UnmapViewOfFile(view);
    CloseHandle(mapping);

    private_memory = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    bool_is("unmap private memory", TRY(UnmapViewOfFile(private_memory)));
    bool_is("unmap private memory +0x3000", TRY(UnmapViewOfFile(private_memory + 0x3000)));
    bool_is("flush private memory", TRY(FlushViewOfFile(private_memory, 0)));
    VirtualFree(private_memory, 0, MEM_RELEASE);
    bool_is("unmap NULL", TRY(UnmapViewOfFile(NULL)));
}

static void file_backed(void)
{
    char directory[MAX_PATH], buffer[16];
    HANDLE file, mapping;
    char *view;
    DWORD done;

    heading("file-backed mappings");
    GetTempPathA(MAX_PATH, directory);
    GetTempFileNameA(directory, "cnm", 0, path);
    file = open_file(GENERIC_READ | GENERIC_WRITE, CREATE_ALWAYS);
    handle_is("empty file size 0", TRY(CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL)));
    handle_is("empty file readonly size 0", TRY(CreateFileMappingA(file, NULL, PAGE_READONLY, 0, 0, NULL)));
    handle_is("empty file readonly size 4K", TRY(CreateFileMappingA(file, NULL, PAGE_READONLY, 0, P, NULL)));
    mapping = TRY(CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0x3456, NULL));
    handle_is("extend file to 0x3456", mapping);
    num_is("file size after mapping", GetFileSize(file, NULL));
    view = TRY(MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0));
    query_is("file view", view, view);
    ptr_is("file view too large", TRY(MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0x3457)), NULL);
    memcpy(view, "mapped", 6);
    bool_is("flush file view", TRY(FlushViewOfFile(view, 0)));
    ptr_is("commit in file view", TRY(VirtualAlloc(view, P, MEM_COMMIT, PAGE_READWRITE)), view);
    bool_is("unmap file view", TRY(UnmapViewOfFile(view)));
    SetFilePointer(file, 0, NULL, FILE_BEGIN);
    ReadFile(file, buffer, 6, &done, NULL);
    yes_no("file has view data", done == 6 && !memcmp(buffer, "mapped", 6));
    view = MapViewOfFile(mapping, FILE_MAP_COPY, 0, 0, 0);
    query_is("copy view", view, view);
    view[0] = 'X';
    query_is("copy view written page", view, view);
    query_is("copy view other page", view + P, view);
    UnmapViewOfFile(view);
    SetFilePointer(file, 0, NULL, FILE_BEGIN);
    ReadFile(file, buffer, 1, &done, NULL);
    yes_no("copy write not in file", buffer[0] == 'm');
    CloseHandle(mapping);
    mapping = TRY(CreateFileMappingA(file, NULL, PAGE_READONLY, 0, 0, NULL));
    handle_is("readonly whole file", mapping);
    view_of(mapping, FILE_MAP_WRITE, "readonly mapping map write", 0);
    view_of(mapping, FILE_MAP_READ, "readonly mapping map read", 0);
    view_of(mapping, FILE_MAP_COPY, "readonly mapping map copy", 0);
    CloseHandle(mapping);
    handle_is("readonly larger than file", TRY(CreateFileMappingA(file, NULL, PAGE_READONLY, 0, MB, NULL)));
    CloseHandle(file);

    file = open_file(GENERIC_READ, OPEN_EXISTING);
    handle_is("read-only file mapping RW", TRY(CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL)));
    mapping = TRY(CreateFileMappingA(file, NULL, PAGE_WRITECOPY, 0, 0, NULL));
    handle_is("read-only file mapping writecopy", mapping);
    view_of(mapping, FILE_MAP_COPY, "writecopy mapping map copy", 0);
    view_of(mapping, FILE_MAP_WRITE, "writecopy mapping map write", 0);
    CloseHandle(mapping);
    mapping = TRY(CreateFileMappingA(file, NULL, PAGE_READONLY, 0, 0, NULL));
    handle_is("read-only file mapping RO", mapping);
    CloseHandle(mapping);
    handle_is("read-only file mapping execute RW", TRY(CreateFileMappingA(file, NULL, PAGE_EXECUTE_READWRITE, 0, 0, NULL)));
    CloseHandle(file);
    file = open_file(0, OPEN_EXISTING);
    handle_is("no-access file mapping RO", TRY(CreateFileMappingA(file, NULL, PAGE_READONLY, 0, 0, NULL)));
    CloseHandle(file);
    DeleteFileA(path);
}

int main(void)
{
    protections();
    names_and_access();
    views();
    file_backed();
    return 0;
}
