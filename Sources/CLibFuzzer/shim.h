#ifndef PROCTOR_CLIBFUZZER_SHIM_H
#define PROCTOR_CLIBFUZZER_SHIM_H
// libFuzzer's documented entry for programs that own `main` (compiler-rt FuzzerInterface.h).
// No `link` line: `-sanitize=fuzzer` links libFuzzer in fuzz builds, and ordinary builds never
// call this function (see FuzzDriver.swift).
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
