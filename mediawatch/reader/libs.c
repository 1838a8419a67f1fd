/*
 * libs.c: The Sleuth Kit and libseccomp, loaded by the reader child alone.
 *
 * Only the reader child reads a filesystem (libtsk) and builds a seccomp
 * filter (libseccomp). Linked into okra, both would be loaded, relocated
 * and bound by every okra command, since okra is linked with full RELRO
 * (every symbol bound at start): libtsk alone brings 44 libraries (libcurl,
 * GnuTLS, Kerberos, LDAP... for disk image formats the reader never opens),
 * about 13 ms of CPU at each start, more than a scan of a thousand files
 * spends on anything but its cryptography. So okra is not linked with them:
 * the child loads them by soname (the ones okra was built against, given
 * by the Makefile) with dlopen and RTLD_NOW, so that every symbol is bound
 * at once as okra's own are, before its sandbox forbids opening a file or
 * mapping code. Each function okra calls is defined here, with the
 * library's own prototype (so a mismatch does not compile), and calls
 * through a table that is made read-only once it is filled.
 */
#include "mediawatch/reader/rd_internal.h"
#include "common/err.h"

#include <dlfcn.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <tsk/libtsk.h>
#include <unistd.h>

#ifndef RD_SONAME_TSK
#error "RD_SONAME_TSK: the soname of libtsk (the Makefile gives it)"
#endif
#ifndef RD_SONAME_SECCOMP
#error "RD_SONAME_SECCOMP: the soname of libseccomp (the Makefile gives it)"
#endif
_Static_assert(sizeof RD_SONAME_TSK > 1 && sizeof RD_SONAME_SECCOMP > 1,
               "the Makefile found no soname for libtsk or libseccomp");

/* libtsk's header declares these two without a prototype */
const char *tsk_error_get(void);
void        tsk_error_reset(void);

/* X(library, name): every function of the two that okra calls */
#define RD_FUNCTIONS(X)                                                                            \
    X(tsk, tsk_error_get)                                                                          \
    X(tsk, tsk_error_reset)                                                                        \
    X(tsk, tsk_fs_close)                                                                           \
    X(tsk, tsk_fs_dir_close)                                                                       \
    X(tsk, tsk_fs_dir_get_name)                                                                    \
    X(tsk, tsk_fs_dir_getsize)                                                                     \
    X(tsk, tsk_fs_dir_open_meta)                                                                   \
    X(tsk, tsk_fs_file_close)                                                                      \
    X(tsk, tsk_fs_file_open_meta)                                                                  \
    X(tsk, tsk_fs_file_read)                                                                       \
    X(tsk, tsk_fs_open_img)                                                                        \
    X(tsk, tsk_fs_type_toname)                                                                     \
    X(tsk, tsk_img_close)                                                                          \
    X(tsk, tsk_img_open_external)                                                                  \
    X(tsk, tsk_vs_close)                                                                           \
    X(tsk, tsk_vs_open)                                                                            \
    X(tsk, tsk_vs_part_get)                                                                        \
    X(seccomp, seccomp_init)                                                                       \
    X(seccomp, seccomp_attr_set)                                                                   \
    X(seccomp, seccomp_rule_add_array)                                                             \
    X(seccomp, seccomp_load)                                                                       \
    X(seccomp, seccomp_release)

#define RD_PAGE 4096

struct rd_api {
#define FIELD(lib, name) __typeof__(name) *name;
    RD_FUNCTIONS(FIELD)
#undef FIELD
};

/* A page of its own, so that it can be made read-only as RELRO makes okra's own table. */
static _Alignas(RD_PAGE) union {
    struct rd_api f;
    unsigned char page[RD_PAGE];
} api;
_Static_assert(sizeof(struct rd_api) <= RD_PAGE, "the table fits its page");

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char           failure[256];

static void *
open_library(const char *soname)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

    if (h == NULL)
        snprintf(failure, sizeof failure, "cannot load %s: %s", soname, dlerror());
    return h;
}

/* dlsym's answer stored as the function pointer it is (POSIX: the two convert) */
static int
resolve(void *lib, const char *name, void *field, size_t size)
{
    void *p = dlsym(lib, name);

    if (p == NULL || size != sizeof p)
        return -1;
    memcpy(field, &p, sizeof p);
    return 0;
}

static void
load(void)
{
    void *tsk = open_library(RD_SONAME_TSK), *seccomp = tsk ? open_library(RD_SONAME_SECCOMP) : NULL;

    if (seccomp == NULL)
        return;
#define RESOLVE(lib, name)                                                                         \
    if (failure[0] == '\0' && resolve(lib, #name, &api.f.name, sizeof api.f.name) < 0)            \
        snprintf(failure, sizeof failure, "%s has no %s", #lib, #name);
    RD_FUNCTIONS(RESOLVE)
#undef RESOLVE
    if (failure[0] != '\0')
        return;
    /* on a kernel with larger pages the table shares its page: left writable there */
    if (sysconf(_SC_PAGESIZE) <= RD_PAGE && mprotect(&api, sizeof api, PROT_READ) < 0)
        snprintf(failure, sizeof failure, "cannot make the table of libtsk's functions read-only");
}

int
rd_libs_load(void)
{
    pthread_once(&once, load);
    if (failure[0] != '\0' || api.f.seccomp_release == NULL)
        return okra_fail(-ELIBACC, "%s", failure[0] ? failure : "cannot load libtsk and libseccomp");
    return 0;
}

/* The table, loaded (a caller that has not loaded it, and could not now, is a bug: it stops). */
static const struct rd_api *
f(void)
{
    if (rd_libs_load() < 0)
        abort();
    return &api.f;
}

/* ---- The Sleuth Kit ---------------------------------------------------------------------------- */

const char *
tsk_error_get(void)
{
    return f()->tsk_error_get();
}

void
tsk_error_reset(void)
{
    f()->tsk_error_reset();
}

void
tsk_fs_close(TSK_FS_INFO *fs)
{
    f()->tsk_fs_close(fs);
}

void
tsk_fs_dir_close(TSK_FS_DIR *dir)
{
    f()->tsk_fs_dir_close(dir);
}

const TSK_FS_NAME *
tsk_fs_dir_get_name(const TSK_FS_DIR *dir, size_t idx)
{
    return f()->tsk_fs_dir_get_name(dir, idx);
}

size_t
tsk_fs_dir_getsize(const TSK_FS_DIR *dir)
{
    return f()->tsk_fs_dir_getsize(dir);
}

TSK_FS_DIR *
tsk_fs_dir_open_meta(TSK_FS_INFO *fs, TSK_INUM_T addr)
{
    return f()->tsk_fs_dir_open_meta(fs, addr);
}

void
tsk_fs_file_close(TSK_FS_FILE *file)
{
    f()->tsk_fs_file_close(file);
}

TSK_FS_FILE *
tsk_fs_file_open_meta(TSK_FS_INFO *fs, TSK_FS_FILE *file, TSK_INUM_T addr)
{
    return f()->tsk_fs_file_open_meta(fs, file, addr);
}

ssize_t
tsk_fs_file_read(TSK_FS_FILE *file, TSK_OFF_T off, char *buf, size_t len, TSK_FS_FILE_READ_FLAG_ENUM flags)
{
    return f()->tsk_fs_file_read(file, off, buf, len, flags);
}

TSK_FS_INFO *
tsk_fs_open_img(TSK_IMG_INFO *img, TSK_OFF_T off, TSK_FS_TYPE_ENUM type)
{
    return f()->tsk_fs_open_img(img, off, type);
}

const char *
tsk_fs_type_toname(TSK_FS_TYPE_ENUM type)
{
    return f()->tsk_fs_type_toname(type);
}

void
tsk_img_close(TSK_IMG_INFO *img)
{
    f()->tsk_img_close(img);
}

TSK_IMG_INFO *
tsk_img_open_external(void *ext, TSK_OFF_T size, unsigned int sector_size,
                      ssize_t (*read)(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len),
                      void (*close)(TSK_IMG_INFO *), void (*imgstat)(TSK_IMG_INFO *, FILE *))
{
    return f()->tsk_img_open_external(ext, size, sector_size, read, close, imgstat);
}

void
tsk_vs_close(TSK_VS_INFO *vs)
{
    f()->tsk_vs_close(vs);
}

TSK_VS_INFO *
tsk_vs_open(TSK_IMG_INFO *img, TSK_DADDR_T off, TSK_VS_TYPE_ENUM type)
{
    return f()->tsk_vs_open(img, off, type);
}

const TSK_VS_PART_INFO *
tsk_vs_part_get(const TSK_VS_INFO *vs, TSK_PNUM_T idx)
{
    return f()->tsk_vs_part_get(vs, idx);
}

/* ---- libseccomp -------------------------------------------------------------------------------- */

scmp_filter_ctx
seccomp_init(uint32_t def_action)
{
    return f()->seccomp_init(def_action);
}

int
seccomp_attr_set(scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value)
{
    return f()->seccomp_attr_set(ctx, attr, value);
}

/* The variadic form, as libseccomp itself implements it: its arguments gathered into an array. */
int
seccomp_rule_add(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt, ...)
{
    struct scmp_arg_cmp args[6];
    va_list             ap;
    unsigned            i;

    if (arg_cnt > 6)
        return -EINVAL;
    va_start(ap, arg_cnt);
    for (i = 0; i < arg_cnt; i++)
        args[i] = va_arg(ap, struct scmp_arg_cmp);
    va_end(ap);
    return f()->seccomp_rule_add_array(ctx, action, syscall, arg_cnt, args);
}

int
seccomp_rule_add_array(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt,
                       const struct scmp_arg_cmp *arg_array)
{
    return f()->seccomp_rule_add_array(ctx, action, syscall, arg_cnt, arg_array);
}

int
seccomp_load(const scmp_filter_ctx ctx)
{
    return f()->seccomp_load(ctx);
}

void
seccomp_release(scmp_filter_ctx ctx)
{
    f()->seccomp_release(ctx);
}
