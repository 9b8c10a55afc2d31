/* SEC_IMAGE sections: PE files this test writes byte by byte (PE32+ and
 * PE32), and a real PE built by MinGW when it is installed, mapped as the
 * Windows loader lays them out (facts 44, 122; Wine's test_section_access
 * and test_image_mapping give the protections). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"
#include "handle.h"
#include "probe.h"

#define P 0x1000

#define SCN_CNT_CODE 0x20u
#define SCN_CNT_UNINITIALIZED_DATA 0x80u
#define SCN_MEM_EXECUTE 0x20000000u
#define SCN_MEM_READ 0x40000000u
#define SCN_MEM_WRITE 0x80000000u

static char scratch[64];
static char path[128];

static void setup(void)
{
    snprintf(scratch, sizeof(scratch), "/tmp/w32mem-image-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(scratch));
    snprintf(path, sizeof(path), "%s/test.dll", scratch);
}

static void teardown(void)
{
    char command[128];
    snprintf(command, sizeof(command), "rm -rf %s", scratch);
    ck_assert_int_eq(system(command), 0);
    ck_assert_uint_eq(handle_count(), 0);
}

/* --- Writing a PE file ---------------------------------------------------- */

static void put16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void put32(unsigned char *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static uint16_t get16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const unsigned char *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }

struct test_section {
    uint32_t address, virtual_size, raw_size, characteristics;
    DWORD expected;         /* the protection Windows gives it */
};

/* Five sections of every kind, two pages of .data with a zero tail, .bss
 * without file data. */
static const struct test_section sections[] = {
    { 0x1000, 0x100,  0x200, SCN_CNT_CODE | SCN_MEM_EXECUTE | SCN_MEM_READ, PAGE_EXECUTE_READ },
    { 0x2000, 0x1800, 0x200, SCN_MEM_READ | SCN_MEM_WRITE, PAGE_WRITECOPY },
    { 0x4000, 0x1000, 0,     SCN_CNT_UNINITIALIZED_DATA | SCN_MEM_READ | SCN_MEM_WRITE, PAGE_WRITECOPY },
    { 0x5000, 0x10,   0x200, SCN_MEM_READ, PAGE_READONLY },
    { 0x6000, 0x10,   0x200, 0, PAGE_NOACCESS },
    { 0x7000, 0x10,   0x200, SCN_MEM_EXECUTE | SCN_MEM_WRITE, PAGE_EXECUTE_WRITECOPY },
};
#define SECTIONS (sizeof(sections) / sizeof(sections[0]))
#define IMAGE_SIZE 0x8000
#define HEADERS_SIZE 0x400

/* The raw byte at offset i of section s's file data. */
static unsigned char raw_byte(size_t s, size_t i) { return (unsigned char)(0x11 * (s + 1) + i); }

/* Writes the PE file (PE32+ if wide, else PE32) and returns its bytes'
 * size; corrupt: 1 bad PE signature, 2 bad optional magic, 3 a section
 * beyond SizeOfImage, 4 raw data beyond the file. */
static size_t write_pe(BOOL wide, int corrupt)
{
    static unsigned char file[0x2000];
    memset(file, 0, sizeof(file));
    file[0] = 'M';
    file[1] = 'Z';
    put32(file + 0x3c, 0x80);
    unsigned char *nt = file + 0x80;
    memcpy(nt, corrupt == 1 ? "PX\0\0" : "PE\0\0", 4);
    unsigned char *fh = nt + 4;
    put16(fh, wide ? 0x8664 : 0x14c);
    put16(fh + 2, SECTIONS);
    uint16_t optional_size = wide ? 240 : 224;
    put16(fh + 16, optional_size);
    put16(fh + 18, 0x2102);                     /* executable, DLL */
    unsigned char *oh = fh + 20;
    put16(oh, corrupt == 2 ? 0x107 : wide ? 0x20b : 0x10b);
    put32(oh + 32, P);                          /* SectionAlignment */
    put32(oh + 36, 0x200);                      /* FileAlignment */
    put32(oh + 56, IMAGE_SIZE);
    put32(oh + 60, HEADERS_SIZE);
    unsigned char *table = oh + optional_size;
    uint32_t raw = HEADERS_SIZE;
    for (size_t s = 0; s < SECTIONS; s++) {
        unsigned char *sh = table + 40 * s;
        snprintf((char *)sh, 8, ".s%zu", s);
        put32(sh + 8, sections[s].virtual_size);
        put32(sh + 12, corrupt == 3 && s == SECTIONS - 1 ? IMAGE_SIZE : sections[s].address);
        put32(sh + 16, sections[s].raw_size);
        put32(sh + 20, sections[s].raw_size ? (corrupt == 4 ? 0x10000 : raw) : 0);
        put32(sh + 36, sections[s].characteristics);
        for (uint32_t i = 0; i < sections[s].raw_size; i++)
            file[raw + i] = raw_byte(s, i);
        raw += sections[s].raw_size;
    }
    FILE *out = fopen(path, "wb");
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(fwrite(file, 1, raw, out), raw);
    fclose(out);
    return raw;
}

static HANDLE open_file(DWORD access)
{
    HANDLE h = CreateFileA(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    ck_assert_ptr_ne(h, INVALID_HANDLE_VALUE);
    return h;
}

static MEMORY_BASIC_INFORMATION query(const void *address)
{
    MEMORY_BASIC_INFORMATION info;
    memset(&info, 0xcc, sizeof(info));
    ck_assert_uint_eq(VirtualQuery(address, &info, sizeof(info)), sizeof(info));
    return info;
}

#define ck_assert_image_page(base, address, size, protect) do { \
    MEMORY_BASIC_INFORMATION i_ = query(address); \
    ck_assert_ptr_eq(i_.BaseAddress, (void *)(address)); \
    ck_assert_ptr_eq(i_.AllocationBase, (void *)(base)); \
    ck_assert_uint_eq(i_.AllocationProtect, PAGE_EXECUTE_WRITECOPY); \
    ck_assert_uint_eq(i_.RegionSize, (size)); \
    ck_assert_uint_eq(i_.State, MEM_COMMIT); \
    ck_assert_uint_eq(i_.Protect, (protect)); \
    ck_assert_uint_eq(i_.Type, MEM_IMAGE); \
} while (0)

/* Everything a view of the test image must show. */
static void check_layout(const unsigned char *base)
{
    ck_assert_image_page(base, base, P, PAGE_READONLY);        /* fact 44: the headers */
    ck_assert_int_eq(base[0], 'M');
    ck_assert_int_eq(get32(base + 0x80), 0x4550);
    for (size_t s = 0; s < SECTIONS; s++) {
        const unsigned char *at = base + sections[s].address;
        size_t pages = (sections[s].virtual_size + P - 1) / P * P, region = pages;
        /* A region runs on through following sections of the same protection. */
        for (size_t next = s + 1; next < SECTIONS && sections[next].address == sections[s].address + region &&
                                  sections[next].expected == sections[s].expected; next++)
            region += (sections[next].virtual_size + P - 1) / P * P;
        ck_assert_image_page(base, at, region, sections[s].expected);
        if (sections[s].expected == PAGE_NOACCESS) {
            ck_assert_not_readable(at);
            continue;
        }
        size_t copied = sections[s].raw_size < sections[s].virtual_size ? sections[s].raw_size
                                                                          : sections[s].virtual_size;
        for (size_t i = 0; i < pages; i++)
            ck_assert_uint_eq(at[i], i < copied ? raw_byte(s, i) : 0);     /* the uninitialised tail is zero */
    }
    ck_assert_not_writable(base + sections[0].address);
    ck_assert_not_writable(base);
    /* Beyond SizeOfImage the view ends. */
    MEMORY_BASIC_INFORMATION after = query(base + IMAGE_SIZE);
    ck_assert_ptr_ne(after.AllocationBase, (void *)base);
}

START_TEST(pe_layout)
{
    BOOL wide = _i == 0;
    size_t file_bytes = write_pe(wide, 0);
    HANDLE file = open_file(GENERIC_READ);
    SetLastError(1234);
    HANDLE mapping = CreateFileMappingA(file, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL);
    ck_assert_ptr_nonnull(mapping);
    ck_assert_last_error(ERROR_SUCCESS);
    ck_assert(CloseHandle(file));
    unsigned char *base = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
    ck_assert_ptr_nonnull(base);
    ck_assert_uint_eq((uintptr_t)base % 0x10000, 0);
    check_layout(base);

    /* A written copy-on-write page reads back as PAGE_READWRITE, only that
     * page, and reaches neither the file nor another view. */
    unsigned char *data = base + sections[1].address;
    data[0] = 0xfe;
    ck_assert_image_page(base, data, P, PAGE_READWRITE);
    ck_assert_image_page(base, data + P, 2 * P, PAGE_WRITECOPY);      /* and .bss after it */
    unsigned char *other = MapViewOfFile(mapping, 0, 0, 0, 0);     /* access 0 maps an image too */
    ck_assert_ptr_nonnull(other);
    ck_assert_ptr_ne(other, base);
    ck_assert_uint_eq(other[sections[1].address], raw_byte(1, 0));
    check_layout(other);
    ck_assert(UnmapViewOfFile(other + 0x3456));     /* from anywhere inside */
    unsigned char *exec = base + sections[5].address;
    exec[0] = 0x90;
    ck_assert_image_page(base, exec, P, PAGE_EXECUTE_READWRITE);

    /* VirtualProtect: writable requests become their copy-on-write forms. */
    unsigned char *rdata = base + sections[3].address;
    DWORD old;
    ck_assert(VirtualProtect(rdata, P, PAGE_READWRITE, &old));
    ck_assert_uint_eq(old, PAGE_READONLY);
    ck_assert_image_page(base, rdata, P, PAGE_WRITECOPY);
    ck_assert(VirtualProtect(rdata, P, PAGE_EXECUTE_READWRITE, &old));
    ck_assert_uint_eq(old, PAGE_WRITECOPY);
    ck_assert_image_page(base, rdata, P, PAGE_EXECUTE_WRITECOPY);
    ck_assert(VirtualProtect(rdata, P, PAGE_EXECUTE, &old));
    ck_assert_image_page(base, rdata, P, PAGE_EXECUTE);
    ck_assert(!VirtualProtect(rdata, P, PAGE_READONLY | PAGE_READWRITE, &old));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert(!VirtualFree(base, 0, MEM_RELEASE));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);              /* views are unmapped, never freed */

    /* The file never changes. */
    FILE *in = fopen(path, "rb");
    unsigned char first;
    ck_assert_int_eq(fseek(in, HEADERS_SIZE + sections[0].raw_size, SEEK_SET), 0);
    ck_assert_uint_eq(fread(&first, 1, 1, in), 1);
    fclose(in);
    ck_assert_uint_eq(first, raw_byte(1, 0));
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq((size_t)st.st_size, file_bytes);

    ck_assert(UnmapViewOfFile(base));
    ck_assert(CloseHandle(mapping));
}
END_TEST

START_TEST(image_view_access)
{
    write_pe(TRUE, 0);
    HANDLE file = open_file(GENERIC_READ);
    HANDLE mapping = CreateFileMappingA(file, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL);
    ck_assert_ptr_nonnull(mapping);
    ck_assert_ptr_null(MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    ck_assert_ptr_null(MapViewOfFile(mapping, FILE_MAP_READ, 0, 0x10000, 0));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);              /* an image is mapped whole */
    unsigned char *view = MapViewOfFile(mapping, FILE_MAP_COPY, 0, 0, P);
    ck_assert_ptr_nonnull(view);
    check_layout(view);
    ck_assert(UnmapViewOfFile(view));
    view = MapViewOfFile(mapping, FILE_MAP_READ | FILE_MAP_EXECUTE, 0, 0, 0);
    ck_assert_ptr_nonnull(view);
    check_layout(view);
    ck_assert(UnmapViewOfFile(view));
    ck_assert(CloseHandle(mapping));
    ck_assert(CloseHandle(file));
}
END_TEST

START_TEST(image_validation)                /* fact 122 */
{
    static const DWORD invalid[] = {
        PAGE_READONLY | SEC_IMAGE | SEC_COMMIT, PAGE_READONLY | SEC_IMAGE | SEC_RESERVE,
        PAGE_READONLY | SEC_IMAGE | SEC_WRITECOMBINE, PAGE_READONLY | SEC_IMAGE | SEC_LARGE_PAGES,
        PAGE_READONLY | SEC_IMAGE | SEC_FILE,
    };
    write_pe(TRUE, 0);
    HANDLE file = open_file(GENERIC_READ);
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        ck_assert_ptr_null(CreateFileMappingA(file, NULL, invalid[i], 0, 0, NULL));
        ck_assert_last_error(ERROR_INVALID_PARAMETER);
    }
    ck_assert_ptr_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READONLY | SEC_IMAGE, 0, P, NULL));
    ck_assert_last_error(ERROR_BAD_EXE_FORMAT);
    ck_assert(CloseHandle(file));

    /* Broken or foreign files. */
    for (int corrupt = 1; corrupt <= 4; corrupt++) {
        write_pe(TRUE, corrupt);
        file = open_file(GENERIC_READ);
        ck_assert_ptr_null(CreateFileMappingA(file, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL));
        ck_assert_last_error(ERROR_BAD_EXE_FORMAT);
        ck_assert(CloseHandle(file));
    }
    FILE *out = fopen(path, "w");
    fputs("#!/bin/sh\necho not a PE file, but long enough to hold a DOS header's worth of bytes..\n", out);
    fclose(out);
    file = open_file(GENERIC_READ);
    ck_assert_ptr_null(CreateFileMappingA(file, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL));
    ck_assert_last_error(ERROR_BAD_EXE_FORMAT);
    ck_assert(CloseHandle(file));
    out = fopen(path, "w");
    fclose(out);
    file = open_file(GENERIC_READ);
    ck_assert_ptr_null(CreateFileMappingA(file, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL));
    ck_assert_last_error(ERROR_BAD_EXE_FORMAT);                /* STATUS_INVALID_FILE_FOR_SECTION (fact 117) */
    ck_assert(CloseHandle(file));
}
END_TEST

/* The other process of named_image_in_another_process (this program
 * re-executed, so it is a fresh process that knows only the name): opens
 * the section by name and checks its view; the exit status tells. */
static int open_image_by_name(const char *name)
{
    HANDLE opened = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
    unsigned char *view = opened ? MapViewOfFile(opened, FILE_MAP_READ, 0, 0, 0) : NULL;
    if (!view)
        return 1;
    MEMORY_BASIC_INFORMATION info;
    for (size_t s = 0; s < SECTIONS; s++) {
        if (VirtualQuery(view + sections[s].address, &info, sizeof(info)) != sizeof(info) ||
            info.Type != MEM_IMAGE || info.Protect != sections[s].expected ||
            info.AllocationProtect != PAGE_EXECUTE_WRITECOPY)
            return 2;
        if (sections[s].raw_size && sections[s].expected != PAGE_NOACCESS &&
            view[sections[s].address] != raw_byte(s, 0))
            return 3;
    }
    return UnmapViewOfFile(view) && CloseHandle(opened) ? 0 : 4;
}

__attribute__((constructor)) static void run_child(void)
{
    const char *name = getenv("W32MEM_IMAGE_NAME");
    if (name)
        exit(open_image_by_name(name));
}

/* A named image section opened by another process: the layout travels
 * with the object. */
START_TEST(named_image_in_another_process)
{
    write_pe(FALSE, 0);
    char name[64];
    snprintf(name, sizeof(name), "w32mem-image-%d", (int)getpid());
    HANDLE file = open_file(GENERIC_READ);
    HANDLE mapping = CreateFileMappingA(file, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, name);
    ck_assert_ptr_nonnull(mapping);
    ck_assert_last_error(ERROR_SUCCESS);
    ck_assert(CloseHandle(file));
    char program[4096];
    test_program_path(program, sizeof(program));
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        setenv("W32MEM_IMAGE_NAME", name, 1);
        execl(program, "test_image", (char *)NULL);
        _exit(97);
    }
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    ck_assert(CloseHandle(mapping));
}
END_TEST

/* --- A real PE --------------------------------------------------------------- */

static const char *const mingw = "x86_64-w64-mingw32-gcc";

START_TEST(real_pe_from_mingw)
{
    char command[512];
    snprintf(command, sizeof(command), "command -v %s >/dev/null 2>&1", mingw);
    if (system(command) != 0)
        return;                     /* no cross compiler here */
    char source[160];
    snprintf(source, sizeof(source), "%s/hello.c", scratch);
    FILE *out = fopen(source, "w");
    fputs("#include <stdio.h>\nint counter = 42;\nstatic char buffer[8192];\nconst char message[] = \"hello\";\n"
          "int main(void) { buffer[0] = 1; printf(\"%s %d\\n\", message, counter + buffer[0]); return 0; }\n", out);
    fclose(out);
    snprintf(command, sizeof(command), "%s -O1 -o %s %s", mingw, path, source);
    ck_assert_int_eq(system(command), 0);

    /* The test's own reading of the section table. */
    FILE *in = fopen(path, "rb");
    ck_assert_ptr_nonnull(in);
    static unsigned char pe[1 << 20];
    size_t size = fread(pe, 1, sizeof(pe), in);
    fclose(in);
    ck_assert_uint_gt(size, 0x400);
    const unsigned char *nt = pe + get32(pe + 0x3c);
    ck_assert_uint_eq(get32(nt), 0x4550);
    ck_assert_uint_eq(get16(nt + 24), 0x20b);                   /* PE32+ */
    unsigned count = get16(nt + 6);
    uint32_t image_size = get32(nt + 24 + 56);
    const unsigned char *table = nt + 24 + get16(nt + 20);

    HANDLE file = open_file(GENERIC_READ | GENERIC_EXECUTE);
    HANDLE mapping = CreateFileMappingA(file, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL);
    ck_assert_ptr_nonnull(mapping);
    ck_assert(CloseHandle(file));
    unsigned char *base = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
    ck_assert_ptr_nonnull(base);
    ck_assert_image_page(base, base, query(base).RegionSize, PAGE_READONLY);
    ck_assert_int_eq(memcmp(base, pe, 0x200), 0);
    unsigned checked = 0;
    for (unsigned s = 0; s < count; s++) {
        const unsigned char *sh = table + 40 * s;
        uint32_t virtual_size = get32(sh + 8), address = get32(sh + 12), raw_size = get32(sh + 16);
        uint32_t raw = get32(sh + 20), characteristics = get32(sh + 36);
        if (!virtual_size || address + virtual_size > image_size)
            continue;
        uint32_t r = characteristics & SCN_MEM_READ, w = characteristics & SCN_MEM_WRITE,
                 x = characteristics & SCN_MEM_EXECUTE;
        DWORD expected = x ? (w ? PAGE_EXECUTE_WRITECOPY : r ? PAGE_EXECUTE_READ : PAGE_EXECUTE)
                           : (w ? PAGE_WRITECOPY : r ? PAGE_READONLY : PAGE_NOACCESS);
        MEMORY_BASIC_INFORMATION info = query(base + address);
        ck_assert_uint_eq(info.Type, MEM_IMAGE);
        ck_assert_uint_eq(info.Protect, expected);
        ck_assert_uint_eq(info.AllocationProtect, PAGE_EXECUTE_WRITECOPY);
        uint32_t copied = raw_size < virtual_size ? raw_size : virtual_size;
        if (expected != PAGE_NOACCESS && raw + copied <= size) {
            ck_assert_int_eq(memcmp(base + address, pe + raw, copied), 0);
            for (uint32_t i = copied; i < virtual_size; i++)
                ck_assert_uint_eq(base[address + i], 0);
        }
        checked++;
    }
    ck_assert_uint_ge(checked, 3);                              /* .text, .data, .rdata at least */
    ck_assert(UnmapViewOfFile(base));
    ck_assert(CloseHandle(mapping));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("image");
    TCase *tc = tcase_create("image");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, pe_layout, 0, 2);
    tcase_add_test(tc, image_view_access);
    tcase_add_test(tc, image_validation);
    tcase_add_test(tc, named_image_in_another_process);
    tcase_add_test(tc, real_pe_from_mingw);
    suite_add_tcase(suite, tc);
    return suite;
}
