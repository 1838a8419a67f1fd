# okra: the Offline Key Recovery Archive.
#
#   make            builds ./okra
#   make check      every test: unit (cmocka), command line (prove), the same under
#                   ASan+UBSan, valgrind on the command-line tests, short fuzz runs,
#                   two builds in two folders compared byte for byte
#   make demo       the whole story on a throw-away vault
#   make bench      okra beside what a user would script with standard tools
#   make doc        renders doc/record-page1.png, README's picture of a printed record
#   make fuzz       long fuzz runs (FUZZ_SECONDS per target)
#   make install    honours PREFIX and DESTDIR
#   make deps       installs the Debian packages that building and testing need

PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= gcc
BUILD    ?= build
VECTORS  ?= $(abspath tests/vectors)
VERSION  := 0.1.0

PKGS     := openssl libsodium libarchive libudev jansson sqlite3 blkid mount cairo fontconfig libqrencode \
            tsk libseccomp

# Debian packages: the -dev libraries, then the tools the tests hold okra against.
DEB_LIBS  := libssl-dev libsodium-dev libarchive-dev libudev-dev libjansson-dev \
             libsqlite3-dev libblkid-dev libmount-dev libcmocka-dev pkg-config \
             libcairo2-dev libqrencode-dev fonts-dejavu-core libtsk-dev libseccomp-dev
DEB_TOOLS := age minisign tmux jq udev e2fsprogs mtools dosfstools util-linux python3 \
             ntfs-3g exfatprogs xorriso strace \
             python3-cryptography default-jre-headless gnupg openssh-client \
             clang libclang-rt-14-dev valgrind time openssl procps poppler-utils zbar-tools
DEB_OPTIONAL := nodejs npm
DEB_CMDS  := age minisign tmux jq udevadm mkfs.ext4 mcopy mkfs.vfat losetup clang valgrind prove python3 \
             mkntfs ntfscp mkfs.exfat xorriso strace \
             keytool gpg ssh-keygen \
             pdftoppm pdftotext zbarimg

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wformat-security -Wvla -Wno-unused-parameter
HARDEN   := -fstack-protector-strong -fstack-clash-protection -fcf-protection -fPIE
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(filter-out $(LOADED),$(PKGS)) 2>/dev/null)
# Loaded by the reader child alone, by soname, never linked: linked, every okra command would load
# and bind them and their 40-odd libraries at start (mediawatch/reader/libs.c)
LOADED   := tsk libseccomp
soname    = $(shell objdump -p "$$($(CC) -print-file-name=lib$(1).so)" 2>/dev/null | awk '$$1 == "SONAME" { print $$2 }')
LOADED_CPPFLAGS = -DRD_SONAME_TSK='"$(call soname,tsk)"' -DRD_SONAME_SECCOMP='"$(call soname,seccomp)"'

ifeq ($(SANITIZE),1)
OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
SANLD    := -fsanitize=address,undefined
else
OPT      := -O2 -g -D_FORTIFY_SOURCE=3
SANLD    :=
endif

# The same bytes from the same commit wherever and whenever it is built: no path of the build
# folder in the debug information, no timestamps (nothing uses __DATE__; SOURCE_DATE_EPOCH is the
# commit's time for any tool that wants a date), objects in sorted order, deterministic archives.
REPRO    := -ffile-prefix-map=$(CURDIR)=.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
ifneq ($(SOURCE_DATE_EPOCH),)
export SOURCE_DATE_EPOCH
endif

# What okra --version names: the commit of this tree, if it is a git checkout (its own, not one
# it sits inside), else the commit git archive wrote into dist/commit, else that it is not known.
GIT_TOP  := $(shell git rev-parse --show-toplevel 2>/dev/null)
ifeq ($(GIT_TOP),$(CURDIR))
COMMIT   := commit $(shell git rev-parse HEAD)$(if $(shell git status --porcelain 2>/dev/null | head -n 1), with uncommitted changes)
else ifneq ($(shell grep -Ex '[0-9a-f]{40}' dist/commit 2>/dev/null),)
COMMIT   := commit $(shell cat dist/commit) from a git archive
else
COMMIT   := built outside git: commit unknown
endif

CFLAGS   ?=
CPPFLAGS += -I. -D_GNU_SOURCE -DOKRA_VERSION='"$(VERSION)"'
ALL_CFLAGS = -std=c17 $(OPT) $(WARN) $(HARDEN) $(REPRO) -pthread $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS  += -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack -Wl,--as-needed -pthread $(SANLD)
LIBS     = $(PKG_LIBS) -ldl -lm

PARTS    := common crypto formats vault ceremony mediawatch mediawatch/reader cli
LIB_SRC  := $(sort $(filter-out cli/main.c,$(foreach d,$(PARTS),$(wildcard $(d)/*.c))))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
TARGET   := $(if $(filter build,$(BUILD)),okra,$(BUILD)/okra)

.PHONY: all tools deps check check-unit check-cli check-asan check-valgrind check-fuzz \
        check-reproducible demo bench doc fuzz install uninstall clean

all: $(TARGET)

$(TARGET): $(BUILD)/obj/cli/main.o $(BUILD)/libokra.a
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LIBS)

$(BUILD)/libokra.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcsD $@ $^

# Only cli/main.c prints the commit; it is rebuilt when the commit (or the tree's state) changes.
$(BUILD)/obj/cli/main.o: CPPFLAGS += -DOKRA_COMMIT='"$(COMMIT)"'
$(BUILD)/obj/cli/main.o: $(BUILD)/commit
$(BUILD)/commit: FORCE
	@mkdir -p $(dir $@)
	@echo '$(COMMIT)' | cmp -s - $@ || echo '$(COMMIT)' >$@
FORCE:

$(BUILD)/obj/mediawatch/reader/libs.o: CPPFLAGS += $(LOADED_CPPFLAGS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libokra.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CPPFLAGS) -Itests/unit $(ALL_CFLAGS) -o $@ $< $(BUILD)/libokra.a $(LDFLAGS) $(LIBS) -lcmocka

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libokra.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libokra.a $(LDFLAGS) $(LIBS)

tools: $(TOOL_BIN)

-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/cli/main.d

# Installs what is missing, and only that; a machine that has everything is left alone.
deps:
	@missing=""; \
	for p in $(PKGS) cmocka; do pkg-config --exists $$p 2>/dev/null || missing=1; done; \
	for c in $(DEB_CMDS); do command -v $$c >/dev/null 2>&1 || missing=1; done; \
	[ -x /usr/bin/time ] || missing=1; \
	python3 -c 'import cryptography' 2>/dev/null || missing=1; \
	[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing=1; \
	[ -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ] || missing=1; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing Debian packages"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q $(DEB_LIBS) $(DEB_TOOLS) >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $(DEB_LIBS) $(DEB_TOOLS) >/dev/null; } || \
	  { echo "deps: apt-get failed; install: $(DEB_LIBS) $(DEB_TOOLS)"; exit 1; }; \
	fi; \
	if ! command -v npm >/dev/null 2>&1; then \
	  echo "deps: installing node and npm (optional: the escape-hatch test's independent age and SLIP-0039)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEB_OPTIONAL) >/dev/null 2>&1 || \
	  echo "deps: node/npm could not be installed; the escape-hatch test will say it skips"; \
	fi

# Every skipped test is logged here and counted at the end of make check (tests/lib/skips).
SKIP_LOG := $(abspath build/skips.log)
export OKRA_SKIP_LOG ?= $(SKIP_LOG)
SKIP_MODE = $(if $(filter 1,$(SANITIZE)),asan,plain)

check: deps
	@mkdir -p build && rm -f $(SKIP_LOG)
	$(MAKE) all
	$(MAKE) check-unit
	$(MAKE) check-cli
	$(MAKE) check-asan
	$(MAKE) check-valgrind
	$(MAKE) check-fuzz
	$(MAKE) check-reproducible
	@tests/lib/skips $(SKIP_LOG)
	@echo "make check: all passed"

# the outside vectors as upstream wrote them first, so that a changed file fails here, by name
check-unit: $(UNIT_BIN)
	@cd $(VECTORS) && sha256sum --quiet --strict -c SHA256SUMS
	@OKRA_VECTORS=$(VECTORS) OKRA_SKIP_MODE=$(SKIP_MODE) tests/lib/run-unit $(UNIT_BIN)

check-cli: $(TARGET) $(TOOL_BIN)
	OKRA=$(abspath $(TARGET)) OKRA_TOOLS=$(abspath $(BUILD)/tools) OKRA_VECTORS=$(VECTORS) \
	  OKRA_SKIP_MODE=$(SKIP_MODE) prove -j2 tests/cli/

check-asan: deps
	$(MAKE) BUILD=build/asan SANITIZE=1 all tools check-unit
	OKRA=$(abspath build/asan/okra) OKRA_TOOLS=$(abspath build/asan/tools) OKRA_VECTORS=$(VECTORS) OKRA_SKIP_MODE=asan \
	  ASAN_OPTIONS=detect_leaks=1:exitcode=86 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87 prove -j2 tests/cli/

# memcheck over the command-line tests that do not run minutes of scrypt
check-valgrind: $(TARGET) $(TOOL_BIN)
	OKRA=$(abspath $(TARGET)) OKRA_TOOLS=$(abspath $(BUILD)/tools) OKRA_VECTORS=$(VECTORS) \
	  OKRA_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-fds=no" \
	  OKRA_VALGRIND=1 OKRA_SKIP_MODE=valgrind prove tests/cli/

# two builds of the committed tree in two folders: the same bytes, and --version names the commit
check-reproducible:
	tests/reproducible.sh

check-fuzz: deps
	$(MAKE) -f tests/fuzz/fuzz.mk FUZZ_SECONDS=$${FUZZ_SECONDS:-4} VECTORS=$(VECTORS) PKGS="$(PKGS)" LOADED="$(LOADED)" run

fuzz: deps
	$(MAKE) -f tests/fuzz/fuzz.mk FUZZ_SECONDS=$${FUZZ_SECONDS:-3600} VECTORS=$(VECTORS) PKGS="$(PKGS)" LOADED="$(LOADED)" run

demo: deps
	$(MAKE) all
	tests/demo.sh $(abspath okra)

bench: deps
	$(MAKE) all
	tests/bench/bench.sh $(abspath okra)

# README's picture of a printed record (page one of a recovery's)
doc: deps
	$(MAKE) all
	tests/doc-record.sh $(abspath okra) doc/record-page1.png

install: okra
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 okra $(DESTDIR)$(PREFIX)/bin/okra
	install -m 0644 doc/okra.1 $(DESTDIR)$(PREFIX)/share/man/man1/okra.1
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 dist/okra.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/okra
	@if [ -f dist/okra-mediawatch.service ]; then \
	  install -d $(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)$(PREFIX)/lib/udev/rules.d; \
	  sed 's|@BINDIR@|$(PREFIX)/bin|' dist/okra-mediawatch.service >$(DESTDIR)$(PREFIX)/lib/systemd/system/okra-mediawatch.service; \
	  install -m 0644 dist/90-okra-media.rules $(DESTDIR)$(PREFIX)/lib/udev/rules.d/90-okra-media.rules; \
	fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/okra $(DESTDIR)$(PREFIX)/share/man/man1/okra.1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/okra \
	  $(DESTDIR)$(PREFIX)/lib/systemd/system/okra-mediawatch.service \
	  $(DESTDIR)$(PREFIX)/lib/udev/rules.d/90-okra-media.rules

clean:
	rm -rf build okra
