/* hardening.c: what a process that will hold a secret does first. */
#include "cli/cli.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

void
cli_harden_process(void)
{
    struct rlimit none = { 0, 0 };

    /* no core file, and no ptrace or /proc/PID/mem by other users' processes */
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    /*
     * Secrets already live in sodium_malloc'd (mlock'd) pages; locking the
     * rest keeps OpenSSL's own copies of a key out of swap too. Where the
     * limit forbids it, the sodium_malloc'd pages are still locked.
     */
    mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
}
