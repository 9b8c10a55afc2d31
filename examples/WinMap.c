/* WinMap: the writing side of lesson 10's inter-process communication
 * through a memory-mapped file.  Create the file, create a named mapping of
 * it, map a view, write a message, and wait for a key while WinRead reads
 * it; then unmap, close the mapping, close the file.
 * Plain Win32 C; it builds unchanged with a Windows compiler. */
#include <windows.h>
#include <stdio.h>
#include <string.h>
#include <conio.h>

int main(void)
{
    /* 创建文件 (create the file) */
    HANDLE hFile = CreateFile(TEXT("C:\\tmp\\map.dat"), GENERIC_READ | GENERIC_WRITE,
                              FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, CREATE_ALWAYS,
                              FILE_ATTRIBUTE_NORMAL, NULL);
    if (hFile == INVALID_HANDLE_VALUE) {
        printf("CreateFile failed: %lu\n", (unsigned long)GetLastError());
        return 1;
    }

    /* 创建映射 (create the mapping): 1 MB, readable and writable, named. */
    HANDLE hMap = CreateFileMapping(hFile, NULL, PAGE_READWRITE, 0, 1024 * 1024, TEXT("WinMap"));
    if (hMap == NULL) {
        printf("CreateFileMapping failed: %lu\n", (unsigned long)GetLastError());
        CloseHandle(hFile);
        return 1;
    }

    /* 加载映射 (map a view): the whole mapping, from offset 0. */
    char *pszText = (char *)MapViewOfFile(hMap, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    if (pszText == NULL) {
        printf("MapViewOfFile failed: %lu\n", (unsigned long)GetLastError());
        CloseHandle(hMap);
        CloseHandle(hFile);
        return 1;
    }

    /* 使用映射 (use the mapping): write the message. */
    strcpy(pszText, "Hello File Mapping!");
    printf("WinMap wrote \"%s\" at %p\n", pszText, (void *)pszText);
    printf("Press any key to exit...\n");
    fflush(stdout);
    getch();

    /* 卸载映射, 关闭映射, 关闭文件 (unmap, close the mapping, close the file) */
    UnmapViewOfFile(pszText);
    CloseHandle(hMap);
    CloseHandle(hFile);
    return 0;
}
