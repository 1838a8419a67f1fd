/*
 * commands.c: okra's command table (git style). A row is the only place a
 * command's synopsis, options and help live: usage.c makes --help, the
 * synopsis, usage errors and getopt_long's option list from it.
 *
 * To add a command: write cmd_NAME() in its own cmd_NAME.c, declare it in
 * cli.h, and add a row below. To add an option: a key in cli.h's enum
 * cli_key, a line in the command's option list below, a case in the
 * command's option function, and its entry in doc/okra.1 and
 * dist/okra.bash-completion (tests/cli/t01-usage.t compares the three).
 */
#include "cli/ceremony.h"
#include "cli/cli.h"

#include <stddef.h>

#define END { NULL, 0, NULL, 0, NULL }

const struct cli_option cli_global_options[] = {
    { "vault", OPT_VAULT, "DIR", 0, "the vault (default $OKRA_VAULT, else /var/lib/okra)" },
    { "json", OPT_JSON, NULL, 0, "machine output where a command has output" },
    { "passphrase-file", OPT_PASSPHRASE_FILE, "FILE", 0,
      "answer each prompt with the next line of FILE, in the order\n"
      "the prompts would come (confirmations skipped); a pipe will do" },
    { "help", OPT_HELP, NULL, 0, "what a command does and its options (also -h)" },
    { "version", OPT_VERSION, NULL, 0, "okra's version (also -V)" },
    END,
};

/* ---- the custodians' ceremonies ---- */

#define OPT_OPERATOR_CEREMONY \
    { "operator", OPT_OPERATOR, "NAME", 0, "who ran the ceremony (default: the login name)" }
#define OPT_PDF_ROWS(n)                                                                       \
    { "pdf", OPT_PDF, "FILE", 0,                                                              \
      "also write the record as a printable PDF for the witnesses to sign (as 'okra record "  \
      n " --pdf FILE'); its folder must exist, outside the vault" },                          \
    { "paper", OPT_PAPER, "a4|letter", 0, "the PDF's paper (default a4)" }

/* What init and reshare share: the new set. */
#define NEWSET_OPTIONS                                                                        \
    { "custodians", OPT_CUSTODIANS, "N", OPT_REQUIRED, "how many custodians (1 to 16)" },     \
    { "threshold", OPT_THRESHOLD, "M", OPT_REQUIRED, "how many of them recover (1 to N)" },   \
    { "share-dir", OPT_SHARE_DIR, "DIR", OPT_REQUIRED,                                        \
      "where the share files go: a new or empty folder (created 0700)" },                     \
    { "name", OPT_NAME, "NAME", OPT_REPEAT,                                                   \
      "the custodians' names, in share order (default 'custodian I')" },                      \
    { "show-mnemonic", OPT_SHOW_MNEMONIC, NULL, 0,                                            \
      "on the terminal, show each custodian their share's words for\n"                        \
      "a paper backup (the screen is cleared after each)" },                                  \
    { "work-factor", OPT_WORK_FACTOR, "N", 0,                                                 \
      "scrypt work factor of the share files, log2 (10 to 20;\n"                              \
      "default 18, as age)" }

static const struct cli_option init_options[] = {
    NEWSET_OPTIONS,
    { "home-issuer", OPT_HOME_ISSUER, "FILE", OPT_REPEAT,
      "a CA certificate (PEM or DER) whose keys the vault archives;\n"
      "keys of other CAs then need --foreign (64 at most)" },
    { "medium-serial", OPT_MEDIUM_SERIAL, "SERIAL", OPT_REPEAT,
      "mediawatch then takes only media with a listed serial\n"
      "or filesystem UUID (64 at most)" },
    { "medium-uuid", OPT_MEDIUM_UUID, "UUID", OPT_REPEAT,
      "a filesystem UUID for that list" },
    { "allow-signing-keys", OPT_ALLOW_SIGNING_KEYS, NULL, 0,
      "the vault archives keys whose certificate is for signing only (by default each "
      "import or scan refuses them unless given --allow-signing-keys); kept in the signed "
      "policy" },
    OPT_OPERATOR_CEREMONY,
    OPT_PDF_ROWS("0"),
    END,
};

static const struct cli_option recover_options[] = {
    { "share", OPT_SHARE, "FILE", OPT_REPEAT,
      "a share file, or a paper backup's mnemonic in a text file\n"
      "(which asks no passphrase); once per share" },
    { "watch", OPT_WATCH, NULL, 0,
      "read the (further) shares from the custodians' media as they\n"
      "plug them in, one after another, until the threshold is met;\n"
      "each is read in user space as mediawatch reads it (never\n"
      "mounted), before any passphrase is asked" },
    { "match", OPT_MATCH, "PROP=GLOB", OPT_REPEAT, "with --watch: as for 'okra mediawatch'" },
    { "out", OPT_OUT, "DIR", OPT_REQUIRED,
      "where the recovered files go (created 0700), as <id>-<name>" },
    { "repassword", OPT_REPASSWORD, NULL, 0,
      "write <id>.pfx instead: a fresh PKCS #12 under a new password\n"
      "(AES-256, SHA-256 MAC); an item sealed without --inspect asks\n"
      "its old export password first" },
    { "legacy", OPT_LEGACY, NULL, 0,
      "with --repassword: 3DES and a SHA-1 MAC, for Windows XP/2003" },
    { "subject", OPT_SUBJECT, "TEXT", 0,
      "recover every item whose certificate subject holds TEXT (in any case), beside the "
      "ITEMs named; several items are listed, and confirmed at a terminal, before any share "
      "is asked" },
    { "path", OPT_PATH, "TEXT", 0,
      "every item whose path on its medium or command line holds TEXT (with --subject: "
      "both)" },
    { "bundle", OPT_BUNDLE, "N", 0, "every item sealed in bundle N (with the others: all of them)" },
    OPT_OPERATOR_CEREMONY,
    OPT_PDF_ROWS("N"),
    END,
};

static const struct cli_option reshare_options[] = {
    { "share", OPT_SHARE, "FILE", OPT_REQUIRED | OPT_REPEAT,
      "a share of the current set, as for 'ceremony recover'" },
    NEWSET_OPTIONS,
    OPT_OPERATOR_CEREMONY,
    OPT_PDF_ROWS("N"),
    END,
};

static const struct cmd ceremony_subcommands[] = {
    { "ceremony init", cmd_ceremony_init, CMD_SECRETS | CMD_LITTER, NULL,
      "create the vault and split its recovery key among custodians",
      "Creates the vault (--vault; it must not exist, or be an empty folder), its\n"
      "station key and its recovery identity; splits the identity into N SLIP-0039\n"
      "shares of threshold M; asks one passphrase per custodian (twice on a\n"
      "terminal) and writes one passphrase-protected share file per custodian into\n"
      "DIR, which must be new or empty. Then each custodian opens their own share\n"
      "file (the roll call); if one cannot, the share files are removed and no\n"
      "vault is created. Prints a transcript for the witnesses, ending with the\n"
      "checkpoint for the auditor.\n",
      init_options, NULL },
    { "ceremony recover", cmd_ceremony_recover, CMD_SECRETS | CMD_LITTER, "[ITEM...]",
      "a quorum of shares decrypts items into a folder",
      "Asks each share file's passphrase (in the order given; a text file with a\n"
      "bare mnemonic asks none), combines a quorum, checks it against the vault's\n"
      "recipient, and writes each ITEM into DIR as <id>-<name> (original bytes),\n"
      "never overwriting. Commits a signed 'recovery' bundle naming the items and\n"
      "the shares used. ITEM is an id, a unique id prefix, a certificate serial or\n"
      "a SHA-1 thumbprint; --subject, --path and --bundle choose items in bulk, all\n"
      "recorded in one recovery bundle. Give the shares with --share, --watch, or both.\n",
      recover_options, NULL },
    { "ceremony check-share", cmd_ceremony_check_share, CMD_SECRETS | CMD_LITTER, "FILE",
      "a custodian checks their share file and passphrase",
      "A custodian checks their share file alone: asks its passphrase, and checks\n"
      "that it opens, belongs to this vault and to its current share set, and that\n"
      "its mnemonic's checksum holds. Prints custodian, share I of N, threshold and\n"
      "set. Exit 1 when any of it fails.\n",
      NULL, NULL },
    { "ceremony reshare", cmd_ceremony_reshare, CMD_SECRETS | CMD_LITTER, NULL,
      "a quorum issues a new share set; the old one is retired",
      "A quorum of the current set issues a new set for the same recovery key:\n"
      "asks the given shares' passphrases, combines and checks them, splits the\n"
      "key anew among N custodians with threshold M, asks one passphrase per new\n"
      "custodian, writes and checks the new share files (the roll call), and only\n"
      "then commits the 'reshare' record that retires every earlier set. A failure\n"
      "before that leaves the old set valid.\n",
      reshare_options, NULL },
    { NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

/* ---- the officer's commands ---- */

#define OPT_INSPECT_ROW(what)                                                                 \
    { "inspect", OPT_INSPECT, NULL, 0,                                                        \
      "open each file (asks each password-protected file's export\n"                          \
      "password, in order) and record its certificate; the key is\n"                          \
      "sealed a second time as opened, so that recovery can re-export\n"                      \
      "it without the old password" what }
#define OPT_FOREIGN_ROW                                                                       \
    { "foreign", OPT_FOREIGN, NULL, 0,                                                        \
      "accept keys whose certificate a CA outside the vault's home\n"                         \
      "issuers issued (recorded \"foreign\": true)" },                                        \
    { "allow-signing-keys", OPT_ALLOW_SIGNING_KEYS, NULL, 0,                                  \
      "seal keys whose certificate is for signing only (key usage without key or data "       \
      "encipherment or key agreement), which are refused unless the vault's policy "          \
      "allows them" }
#define OPT_SAME_PASSWORD_ROW                                                                 \
    { "same-password", OPT_SAME_PASSWORD, NULL, 0,                                            \
      "with --inspect: ask one password, and use it for every file (never by default; with "  \
      "--passphrase-file, one line for all); a file it does not open is named as with a "     \
      "wrong password" }
#define OPT_OPERATOR_INGEST                                                                   \
    { "operator", OPT_OPERATOR, "NAME", 0, "who brought the files (default: the login name)" }
#define OPT_PROGRESS_ROWS                                                                     \
    { "quiet", OPT_QUIET, NULL, 0,                                                            \
      "no progress line (by default one is shown on stderr when it is a terminal)" },         \
    { "progress", OPT_PROGRESS, NULL, 0,                                                      \
      "the progress line even when stderr is not a terminal" }
#define OPT_MAX_SIZE_ROW                                                                      \
    { "max-size", OPT_MAX_SIZE, "BYTES", 0,                                                   \
      "refuse files larger than this (default 256M; K, M, G suffixes)" }

static const struct cli_option import_options[] = {
    OPT_INSPECT_ROW("; each prompt counts the files (\"3 of 20\"); at a terminal a wrong\n"
                    "password is asked again, three tries a file"),
    OPT_SAME_PASSWORD_ROW,
    OPT_FOREIGN_ROW,
    OPT_OPERATOR_INGEST,
    OPT_MAX_SIZE_ROW,
    { "as", OPT_AS, "kms|epf|opaque", 0,
      "declare the files Exchange KMS exports or Entrust/Outlook profiles: sealed as they "
      "are (no public specification exists to recognise or open them); opaque: seal OpenSSH "
      "and OpenPGP secret keys, which okra names but does not inspect, as they are (refused "
      "without it)" },
    OPT_PROGRESS_ROWS,
    END,
};

static const struct cli_option scan_options[] = {
    OPT_INSPECT_ROW("; at a terminal a wrong password is asked again, three\n"
                    "tries a file; a file that cannot be opened is sealed\n"
                    "uninspected, with a line saying why, and the exit status is 1"),
    OPT_SAME_PASSWORD_ROW,
    OPT_FOREIGN_ROW,
    OPT_OPERATOR_INGEST,
    { "max-size", OPT_MAX_SIZE, "BYTES", 0,
      "skip files larger than this (default 256M; K, M, G suffixes)" },
    OPT_PROGRESS_ROWS,
    { "device", OPT_DEVICE, "DEV", 0,
      "read the block device DEV (a stick) instead of a folder, without mounting it: its "
      "filesystem is read in user space by a sandboxed child" },
    { "image", OPT_IMAGE, "FILE", 0, "read a disk image (a stick copied with dd) the same way" },
    END,
};

static const struct cli_option mediawatch_options[] = {
    { "match", OPT_MATCH, "PROP=GLOB", OPT_REPEAT,
      "take only devices whose udev property PROP matches GLOB;\n"
      "repeat to require several (default ID_BUS=usb)" },
    { "once", OPT_ONCE, NULL, 0, "handle one medium, then exit with its result" },
    { "operator", OPT_OPERATOR, "NAME", 0, "the operator recorded in each bundle" },
    { "max-size", OPT_MAX_SIZE, "BYTES", 0,
      "skip files larger than this (default 256M; K, M, G suffixes)" },
    END,
};

/* ---- what anyone may read ---- */

static const struct cli_option list_options[] = {
    { "path", OPT_PATH, "TEXT", 0, "the path the file had on its medium or command line" },
    { "subject", OPT_SUBJECT, "TEXT", 0, "the certificate's subject (inspected items only)" },
    { "issuer", OPT_ISSUER, "TEXT", 0, "the certificate's issuer (inspected items only)" },
    { "expires-before", OPT_EXPIRES_BEFORE, "DATE", 0,
      "the certificate expires before DATE: YYYY-MM-DD (midnight UTC) or an RFC 3339 time, "
      "2028-01-31T12:00:00Z" },
    { "medium", OPT_MEDIUM, "TEXT", 0,
      "the medium's label, serial, vendor, model, UUID or device, or the folder a scan was "
      "given, holds TEXT" },
    { "format", OPT_FORMAT, "FORMAT", 0, "exactly this format, e.g. pkcs12 or pem-pkcs8" },
    { "limit", OPT_LIMIT, "N", 0, "at most N items" },
    { "offset", OPT_OFFSET, "N", 0, "skip the first N items" },
    END,
};

static const struct cli_option record_options[] = {
    { "pdf", OPT_PDF, "FILE", 0,
      "write it as a printable PDF instead, with the checkpoint as a QR code (mode 0600, "
      "atomically; never inside the vault)" },
    { "paper", OPT_PAPER, "a4|letter", 0, "the PDF's paper (default a4)" },
    { "key", OPT_KEY, "PUBKEY", 0,
      "check the signatures with the station key the auditor pinned (station.pub), not the "
      "vault's own copy" },
    END,
};

static const struct cli_option reindex_options[] = {
    OPT_PROGRESS_ROWS,
    END,
};

static const struct cli_option checkpoint_options[] = {
    { "qr", OPT_QR, NULL, 0,
      "draw it first as a QR code on the terminal (UTF-8 half blocks), the code the printed "
      "record carries; a phone or zbarimg reads it back" },
    END,
};

static const struct cli_option verify_options[] = {
    { "key", OPT_KEY, "PUBKEY", 0, "the station key the auditor pinned (station.pub)" },
    { "checkpoint", OPT_CHECKPOINT, "FILE", 0, "the output of 'okra checkpoint' the auditor kept" },
    OPT_PROGRESS_ROWS,
    END,
};

const struct cmd cli_commands[] = {
    { "ceremony", NULL, CMD_SUBCOMMANDS, "SUBCOMMAND [options]",
      "the custodians' ceremonies: init, recover, check-share, reshare",
      "The custodians' ceremonies; 'okra ceremony SUBCOMMAND --help' tells more.\n",
      NULL, ceremony_subcommands },
    { "import", cmd_import, CMD_SECRETS, "FILE...",
      "seal files into one new bundle, all or nothing",
      "Seals the files into one new bundle, all or nothing: a missing, empty or\n"
      "unrecognised file (or, with --inspect, a wrong password) seals nothing.\n"
      "Each file's line is printed once the bundle is committed; Ctrl-C before that\n"
      "seals nothing.\n",
      import_options, NULL },
    { "scan", cmd_scan, CMD_SECRETS, "[DIR]",
      "seal the export files found in a folder, as one bundle",
      "Walks DIR (or reads the medium --device or --image names) without following\n"
      "links, finds export files by their content, and seals what it can as one\n"
      "bundle; a line per file sealed or skipped.\n"
      "Each file's line is printed once the bundle is committed; Ctrl-C before that\n"
      "seals nothing.\n",
      scan_options, NULL },
    { "mediawatch", cmd_mediawatch, CMD_SECRETS, NULL,
      "seal what each removable medium brings, one bundle per insertion",
      "Waits for block devices whose udev properties match every --match, reads\n"
      "each one's filesystem in user space (a sandboxed child; nothing is mounted),\n"
      "and commits one bundle per insertion (even with nothing new). A device\n"
      "passed over gets one line saying which rule or condition it failed.\n",
      mediawatch_options, NULL },
    { "list", cmd_list, 0, NULL,
      "the items in the vault",
      "The items in the vault, one line each (--json: an array of objects). Filters\n"
      "combine; TEXT matches anywhere, in any case.\n",
      list_options, NULL },
    { "show", cmd_show, 0, "ITEM",
      "one item",
      "One item: ITEM is an id, a unique id prefix (4 digits or more), a\n"
      "certificate serial or a SHA-1 thumbprint.\n",
      NULL, NULL },
    { "inspect", cmd_inspect, CMD_SECRETS, "FILE",
      "what okra sees in an export file, without a vault",
      "What okra sees in an export file, without a vault; asks the export password\n"
      "of a protected file.\n",
      NULL, NULL },
    { "log", cmd_log, 0, NULL,
      "the vault's history, one line per bundle",
      "The vault's history, one line per bundle: seq, time, kind, operator, medium,\n"
      "items.\n",
      NULL, NULL },
    { "record", cmd_record, 0, "N",
      "one bundle's record, to print and sign",
      "One bundle's record, read from the bundle after it verified: what was sealed\n"
      "or recovered, by whom, with which shares and custodians, which share sets\n"
      "were issued or retired, the medium; the SHA256SUMS hash in hex and in PGP\n"
      "words; the checkpoint; a signature line per custodian, operator and witness.\n"
      "--json prints the same as one object.\n",
      record_options, NULL },
    { "reindex", cmd_reindex, 0, NULL,
      "rebuild index.sqlite from the bundles",
      "Rebuilds index.sqlite from the bundles.\n",
      reindex_options, NULL },
    { "verify", cmd_verify, 0, "[BUNDLE...]",
      "check every bundle, the chain and the checkpoints",
      "Checks every bundle (or those named, by seq or as bundle files): signatures,\n"
      "checksums, members, the chain, CHECKPOINT, and that the vault still reaches an\n"
      "auditor's saved checkpoint. Exit 0 only when all holds.\n",
      verify_options, NULL },
    { "checkpoint", cmd_checkpoint, 0, NULL,
      "print the signed checkpoint for an auditor to keep",
      "Prints the signed checkpoint (last seq and hash) for an auditor to keep.\n",
      checkpoint_options, NULL },
    { "help", cmd_help, 0, "[COMMAND [SUBCOMMAND]]",
      "what a command does and its options",
      "What a command does and its options; without COMMAND, every command.\n",
      NULL, NULL },
    { "version", cmd_version, 0, NULL,
      "okra's version",
      "Prints okra's version.\n",
      NULL, NULL },
    { NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL },
};
