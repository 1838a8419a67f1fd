# fuzz.mk: libFuzzer targets, one per parser of outside bytes.
#
# Each tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput. Its seed corpus is
# tests/fuzz/corpus/NAME/ plus, when tests/fuzz/NAME.seeds exists, the files it
# lists (globs relative to tests/vectors). Past crashers stay in the corpus
# as regressions. 'run' fuzzes each target for FUZZ_SECONDS; any crash, leak or
# sanitizer report fails it.
VECTORS      ?= $(abspath tests/vectors)
FUZZ_SECONDS ?= 4
FB           := build/fuzz
FCC          := clang
# the Makefile passes its own list, so the two never drift apart
PKGS         ?= openssl libsodium libarchive libudev jansson sqlite3 blkid mount cairo fontconfig libqrencode \
                tsk libseccomp
LOADED       ?= tsk libseccomp
FCFLAGS      := -std=c17 -g -O1 -fno-omit-frame-pointer -I. -D_GNU_SOURCE -DOKRA_VERSION='"fuzz"' \
                -DOKRA_FUZZING -pthread $(shell pkg-config --cflags $(PKGS))
# the reader's libraries are loaded by soname, as in okra (mediawatch/reader/libs.c), not linked
soname        = $(shell objdump -p "$$($(FCC) -print-file-name=lib$(1).so)" 2>/dev/null | awk '$$1 == "SONAME" { print $$2 }')
FLIBS        := $(shell pkg-config --libs $(filter-out $(LOADED),$(PKGS))) -ldl -lm

SAN          := -fsanitize=address,undefined -fno-sanitize-recover=all

LIB_SRC   := $(sort $(filter-out cli/main.c,$(foreach d,common crypto formats vault ceremony mediawatch mediawatch/reader cli,$(wildcard $(d)/*.c))))
LIB_OBJ   := $(LIB_SRC:%.c=$(FB)/obj/%.o)
TARGETS   := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
BINS      := $(TARGETS:%=$(FB)/fuzz_%)

.PHONY: build run
build: $(BINS)

$(FB)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(FCC) $(FCFLAGS) $(SAN) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FB)/obj/mediawatch/reader/libs.o: FCFLAGS += -DRD_SONAME_TSK='"$(call soname,tsk)"' \
                                               -DRD_SONAME_SECCOMP='"$(call soname,seccomp)"'

$(FB)/libokra.a: $(LIB_OBJ)
	@rm -f $@; ar rcs $@ $^

$(FB)/fuzz_%: tests/fuzz/fuzz_%.c $(FB)/libokra.a
	@echo "  FUZZ    $@"
	@$(FCC) $(FCFLAGS) $(SAN) -fsanitize=fuzzer -o $@ $< $(FB)/libokra.a $(FLIBS)

-include $(LIB_OBJ:.o=.d)

run: $(BINS)
	@for t in $(TARGETS); do \
	  c=$(FB)/corpus/$$t; mkdir -p $$c; \
	  [ -d tests/fuzz/corpus/$$t ] && cp -n tests/fuzz/corpus/$$t/* $$c/ 2>/dev/null; \
	  if [ -f tests/fuzz/$$t.seeds ]; then \
	    (cd $(VECTORS) && for g in $$(cat $(CURDIR)/tests/fuzz/$$t.seeds); do for f in $$g; do \
	      [ -f "$$f" ] && cp -n "$$f" $(CURDIR)/$$c/seed-$$(echo "$$f" | tr / _); done; done); \
	  fi; \
	  printf '  fuzz %-14s %ss: ' $$t $(FUZZ_SECONDS); \
	  if $(FB)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 \
	       -artifact_prefix=$(FB)/crash-$$t- $$c >$(FB)/$$t.log 2>&1; then \
	    grep -Eo 'stat::number_of_executed_units: *[0-9]+|Done [0-9]+ runs' $(FB)/$$t.log | tail -n 1 || echo done; \
	  else echo FAILED; tail -n 30 $(FB)/$$t.log; exit 1; fi; \
	done; echo "fuzz: $(words $(TARGETS)) targets, 0 crashes"
