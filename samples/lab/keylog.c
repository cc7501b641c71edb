/* keylog.c - LD_PRELOAD shim that makes any OpenSSL 1.1/3.x program write an NSS key log
 * (https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/) to $SSLKEYLOGFILE.
 *
 * FreeRDP 2.11 and xrdp 0.9.21 cannot write TLS secrets themselves. This shim wraps SSL_CTX_new,
 * SSL_CTX_new_ex and SSL_new, looks the real functions up with dlsym(RTLD_NEXT) and installs
 * SSL_CTX_set_keylog_callback on every context. It does not link libssl, so it is harmless when
 * preloaded into programs that never load OpenSSL (env, timeout, stdbuf ...).
 *
 * Build: gcc -shared -fPIC -O2 -o keylog.so keylog.c -ldl
 * Use:   SSLKEYLOGFILE=/path/x.keys LD_PRELOAD=/path/keylog.so xfreerdp ...
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_method_st SSL_METHOD;
typedef struct ossl_lib_ctx_st OSSL_LIB_CTX;
typedef void (*keylog_cb)(const SSL *ssl, const char *line);

static void write_line(const SSL *ssl, const char *line)
{
    (void)ssl;
    const char *path = getenv("SSLKEYLOGFILE");
    if (path == NULL || *path == '\0' || line == NULL)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    size_t len = strlen(line);
    /* One write per line (O_APPEND): lines from several threads never interleave. */
    char buf[1024];
    if (len + 1 <= sizeof(buf)) {
        memcpy(buf, line, len);
        buf[len] = '\n';
        (void)!write(fd, buf, len + 1);
    }
    close(fd);
}

static void install(SSL_CTX *ctx)
{
    static void (*set_cb)(SSL_CTX *, keylog_cb);
    if (ctx == NULL)
        return;
    if (set_cb == NULL)
        set_cb = (void (*)(SSL_CTX *, keylog_cb))dlsym(RTLD_DEFAULT, "SSL_CTX_set_keylog_callback");
    if (set_cb != NULL)
        set_cb(ctx, write_line);
}

SSL_CTX *SSL_CTX_new(const SSL_METHOD *method)
{
    static SSL_CTX *(*real)(const SSL_METHOD *);
    if (real == NULL)
        real = (SSL_CTX * (*)(const SSL_METHOD *)) dlsym(RTLD_NEXT, "SSL_CTX_new");
    if (real == NULL)
        return NULL;
    SSL_CTX *ctx = real(method);
    install(ctx);
    return ctx;
}

SSL_CTX *SSL_CTX_new_ex(OSSL_LIB_CTX *libctx, const char *propq, const SSL_METHOD *method)
{
    static SSL_CTX *(*real)(OSSL_LIB_CTX *, const char *, const SSL_METHOD *);
    if (real == NULL)
        real = (SSL_CTX * (*)(OSSL_LIB_CTX *, const char *, const SSL_METHOD *))
            dlsym(RTLD_NEXT, "SSL_CTX_new_ex");
    if (real == NULL)
        return NULL;
    SSL_CTX *ctx = real(libctx, propq, method);
    install(ctx);
    return ctx;
}

SSL *SSL_new(SSL_CTX *ctx)
{
    static SSL *(*real)(SSL_CTX *);
    if (real == NULL)
        real = (SSL * (*)(SSL_CTX *)) dlsym(RTLD_NEXT, "SSL_new");
    if (real == NULL)
        return NULL;
    /* Contexts created before the shim was loaded (or by another path) get the callback here. */
    install(ctx);
    return real(ctx);
}
