/*
 * paths.h: the folders a ceremony writes into (share files, recovered keys)
 * must lie apart from the vault's: share files leave the station with their
 * custodians, recovered keys never go into the vault folder. Nothing here is
 * secret.
 */
#ifndef OKRA_CER_PATHS_H
#define OKRA_CER_PATHS_H

#include <stdbool.h>

/* Whether path is dir or lies beneath it (lexically, after making both absolute). */
bool cer_path_inside(const char *path, const char *dir);

/*
 * Whether folders a and b are apart (neither is the other nor lies in it),
 * decided lexically and on the folders that exist (device and inode, so a
 * link or a bind mount into the vault is caught). b_fd: b opened, or -1.
 */
bool cer_dirs_apart(const char *a, const char *b, int b_fd);

#endif
