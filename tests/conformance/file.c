/* Conformance: GetTempPath, GetTempFileName, CreateFile, ReadFile,
 * WriteFile, SetFilePointer(Ex), SetEndOfFile, GetFileSize(Ex),
 * FlushFileBuffers, DeleteFile. */
#include "conformance.h"

static char directory[MAX_PATH], path[MAX_PATH];

static void temp_names(void)
{
    char name[MAX_PATH], small[4];
    DWORD length;
    UINT unique;
    size_t dir_length;

    heading("GetTempPath, GetTempFileName");
    length = TRY(GetTempPathA(MAX_PATH, directory));
    emit("temp path", GetLastError(), "%s", length == strlen(directory) ? "length" : "other");
    dir_length = strlen(directory);
    yes_no("temp path ends in a separator", dir_length && (directory[dir_length - 1] == '\\' || directory[dir_length - 1] == '/'));
    length = TRY(GetTempPathA(2, small));
    emit("temp path short buffer", GetLastError(), "%s", length == dir_length + 1 ? "needed" : "other");
    unique = TRY(GetTempFileNameA(directory, "cnf", 0x1234, name));
    num_is("temp name with unique", unique);
    yes_no("temp name with unique form", strlen(name) == dir_length + strlen("cnf1234.tmp") &&
           !strncmp(name, directory, dir_length) &&
           (!strcmp(name + dir_length, "cnf1234.tmp") || !strcmp(name + dir_length, "CNF1234.TMP")));
    handle_is("temp name with unique not created", TRY(CreateFileA(name, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL)));
    unique = TRY(GetTempFileNameA(directory, "cnf", 0, path));
    yes_no("temp name created", unique != 0);
    yes_no("temp name prefix", !strncmp(path + dir_length, "cnf", 3));
    unique = TRY(GetTempFileNameA("Z:\\no\\such\\directory\\here", "cnf", 0, name));
    num_is("temp name in missing directory", unique);
}

static void read_write(void)
{
    char buffer[64];
    DWORD done, high;
    LARGE_INTEGER where, size;
    HANDLE file, reader;

    heading("CreateFile, ReadFile, WriteFile");
    file = TRY(CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL));
    handle_is("create new over temp name", file);
    file = TRY(CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL));
    handle_is("create always existing", file);
    done = 99;
    bool_is("write 10", TRY(WriteFile(file, "0123456789", 10, &done, NULL)));
    num_is("write 10 done", done);
    bool_is("write 0", TRY(WriteFile(file, "x", 0, &done, NULL)));
    num_is("write 0 done", done);
    num_is("size after write", TRY(GetFileSize(file, NULL)));
    high = 77;
    num_is("size with high", TRY(GetFileSize(file, &high)));
    num_is("size high", high);
    bool_is("size ex", TRY(GetFileSizeEx(file, &size)));
    num_is("size ex value", (unsigned long long)size.QuadPart);
    num_is("pointer to 2", TRY(SetFilePointer(file, 2, NULL, FILE_BEGIN)));
    done = 99;
    bool_is("read 4", TRY(ReadFile(file, buffer, 4, &done, NULL)));
    num_is("read 4 done", done);
    yes_no("read 4 data", !memcmp(buffer, "2345", 4));
    num_is("pointer current +1", TRY(SetFilePointer(file, 1, NULL, FILE_CURRENT)));
    num_is("pointer end -3", TRY(SetFilePointer(file, -3, NULL, FILE_END)));
    num_is("pointer before start", TRY(SetFilePointer(file, -100, NULL, FILE_BEGIN)));
    num_is("pointer bad method", TRY(SetFilePointer(file, 0, NULL, 7)));
    high = 0;
    num_is("pointer high 0", TRY(SetFilePointer(file, 20, (LONG *)&high, FILE_BEGIN)));
    bool_is("read past end", TRY(ReadFile(file, buffer, 4, &done, NULL)));
    num_is("read past end done", done);
    where.QuadPart = 0;
    bool_is("pointer ex to 0", TRY(SetFilePointerEx(file, where, &where, FILE_BEGIN)));
    num_is("pointer ex to 0 new", (unsigned long long)where.QuadPart);
    where.QuadPart = 5;
    bool_is("pointer ex current", TRY(SetFilePointerEx(file, where, NULL, FILE_CURRENT)));
    where.QuadPart = -1;
    bool_is("pointer ex negative", TRY(SetFilePointerEx(file, where, &where, FILE_BEGIN)));
    where.QuadPart = 0;
    SetFilePointerEx(file, where, &where, FILE_CURRENT);
    num_is("pointer ex after negative", (unsigned long long)where.QuadPart);
    SetFilePointer(file, 4, NULL, FILE_BEGIN);
    bool_is("set end at 4", TRY(SetEndOfFile(file)));
    num_is("size after truncate", GetFileSize(file, NULL));
    SetFilePointer(file, 0x12345, NULL, FILE_BEGIN);
    bool_is("set end at 0x12345", TRY(SetEndOfFile(file)));
    num_is("size after extend", GetFileSize(file, NULL));
    SetFilePointer(file, 100, NULL, FILE_BEGIN);
    ReadFile(file, buffer, 8, &done, NULL);
    yes_no("extension reads zero", done == 8 && !memcmp(buffer, "\0\0\0\0\0\0\0\0", 8));
    bool_is("flush", TRY(FlushFileBuffers(file)));
    reader = TRY(CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL));
    handle_is("second open while unshared", reader);
    bool_is("close", TRY(CloseHandle(file)));
    reader = TRY(CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL));
    handle_is("open read only", reader);
    bool_is("write to read-only handle", TRY(WriteFile(reader, "x", 1, &done, NULL)));
    bool_is("set end on read-only handle", TRY(SetEndOfFile(reader)));
    bool_is("read NULL buffer 0 bytes", TRY(ReadFile(reader, NULL, 0, &done, NULL)));
    CloseHandle(reader);
    bool_is("read closed handle", TRY(ReadFile(reader, buffer, 1, &done, NULL)));
    bool_is("write closed handle", TRY(WriteFile(reader, buffer, 1, &done, NULL)));
    num_is("size closed handle", TRY(GetFileSize(reader, NULL)));
    num_is("pointer closed handle", TRY(SetFilePointer(reader, 0, NULL, FILE_BEGIN)));
    bool_is("flush closed handle", TRY(FlushFileBuffers(reader)));
    bool_is("set end closed handle", TRY(SetEndOfFile(reader)));
}

static void create_dispositions(void)
{
    HANDLE file;

    heading("CreateFile dispositions, DeleteFile");
    file = TRY(CreateFileA(path, GENERIC_READ, 0, NULL, CREATE_NEW, 0, NULL));
    handle_is("create new existing", file);
    file = TRY(CreateFileA(path, GENERIC_READ, 0, NULL, OPEN_ALWAYS, 0, NULL));
    handle_is("open always existing", file);
    CloseHandle(file);
    file = TRY(CreateFileA(path, GENERIC_WRITE, 0, NULL, TRUNCATE_EXISTING, 0, NULL));
    handle_is("truncate existing", file);
    num_is("size after truncate existing", GetFileSize(file, NULL));
    CloseHandle(file);
    file = TRY(CreateFileA(path, GENERIC_READ, 0, NULL, 0, 0, NULL));
    handle_is("disposition 0", file);
    file = TRY(CreateFileA(path, GENERIC_READ, 0, NULL, 6, 0, NULL));
    handle_is("disposition 6", file);
    bool_is("delete", TRY(DeleteFileA(path)));
    bool_is("delete again", TRY(DeleteFileA(path)));
    file = TRY(CreateFileA(path, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL));
    handle_is("open missing", file);
    file = TRY(CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, TRUNCATE_EXISTING, 0, NULL));
    handle_is("truncate missing", file);
    file = TRY(CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_ALWAYS, 0, NULL));
    handle_is("open always missing", file);
    CloseHandle(file);
    DeleteFileA(path);
    file = TRY(CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL));
    handle_is("create always missing", file);
    CloseHandle(file);
    file = TRY(CreateFileA(path, GENERIC_READ, 0, NULL, OPEN_EXISTING, FILE_FLAG_DELETE_ON_CLOSE, NULL));
    handle_is("open delete on close", file);
    CloseHandle(file);
    bool_is("delete after delete on close", TRY(DeleteFileA(path)));
    file = TRY(CreateFileA("Z:\\no\\such\\directory\\file", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL));
    handle_is("open in missing directory", file);
    file = TRY(CreateFileA("", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL));
    handle_is("open empty name", file);
}

int main(void)
{
    temp_names();
    read_write();
    create_dispositions();
    return 0;
}
