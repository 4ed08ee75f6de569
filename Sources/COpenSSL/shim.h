#ifndef PROCTOR_COPENSSL_SHIM_H
#define PROCTOR_COPENSSL_SHIM_H
// Only libcrypto's message digests are used: libsodium's SHA-256 is portable C (about 1/25 the
// speed of OpenSSL's SHA-NI code here), too slow to hash every sealed byte at recording speed.
#include <openssl/evp.h>
#endif
