# FLURM build.
#
# Sources are discovered, not listed, so that each folder can grow without
# touching this file:
#   common/*.c                  -> $(B)/lib/libflurm-common.a
#   wire/*.c                    -> $(B)/lib/libflurm-wire.a
#   supervisor/*.c              -> $(B)/bin/flurm-sup     (main.c holds main())
#   services/NAME/*.c           -> $(B)/bin/flurm-NAME    (main.c holds main())
#   test/bin/NAME.c             -> $(B)/test/bin/NAME     (test fixtures: tiny services)
#   test/DIR/test_NAME.c        -> $(B)/test/DIR/test_NAME (Check unit tests)
#   bench/NAME.c                -> $(B)/bench/NAME
# Every component but main.c is also archived (lib<component>.a) so that the
# unit tests can link the component's internals.
#
#   make            build everything warning-free into build/
#   make asan       the same with AddressSanitizer + UBSan into build-asan/
#   make test       set up the machine (scripts/setup), build, run every test
#   make test-asan  the same suite on the sanitizer build
#   make run        a one-host cluster in the foreground until Ctrl-C
#   make fuzz       libFuzzer targets (clang) into build-fuzz/

SAN ?= 0
ifeq ($(SAN),1)
B      ?= build-asan
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT    ?= -O1
else
B      ?= build
SANFLAGS =
OPT    ?= -O2
endif

CC      ?= cc
VERSION := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)
CPPFLAGS += -I. -D_GNU_SOURCE -MMD -MP
CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral \
           -Wmissing-prototypes -Wstrict-prototypes -fPIC $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
LDLIBS  += -lnng -lev -ljansson -lsqlite3 -lmunge -lpthread -lm
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

# ---- discovery -------------------------------------------------------------
COMMON_SRCS := $(wildcard common/*.c)
WIRE_SRCS   := $(wildcard wire/*.c)
SUP_SRCS    := $(filter-out supervisor/main.c,$(wildcard supervisor/*.c))
SERVICES    := $(notdir $(patsubst %/,%,$(wildcard services/*/)))
FIXTURES    := $(basename $(notdir $(wildcard test/bin/*.c)))
UNIT_SRCS   := $(shell find test -name 'test_*.c' 2>/dev/null)
BENCH_SRCS  := $(wildcard bench/*.c)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

LIB_COMMON := $(B)/lib/libflurm-common.a
LIB_WIRE   := $(B)/lib/libflurm-wire.a
LIB_SUP    := $(B)/lib/libflurm-sup.a
SVC_LIBS   := $(foreach s,$(SERVICES),$(B)/lib/libflurm-$(s).a)
# Order matters for static archives: users before what they use.
ALL_LIBS   := $(LIB_SUP) $(SVC_LIBS) $(LIB_WIRE) $(LIB_COMMON)

BINS     := $(B)/bin/flurm-sup $(foreach s,$(SERVICES),$(B)/bin/flurm-$(s))
FIX_BINS := $(foreach f,$(FIXTURES),$(B)/test/bin/$(f))
UNIT_BINS:= $(patsubst %.c,$(B)/%,$(UNIT_SRCS))
BENCH_BINS := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRCS))

.PHONY: all asan test test-asan test-unit test-system run fuzz bench clean setup
all: $(BINS) $(FIX_BINS) $(UNIT_BINS) $(BENCH_BINS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB_COMMON): $(call obj,$(COMMON_SRCS))
$(LIB_WIRE): $(call obj,$(WIRE_SRCS))
$(LIB_SUP): $(call obj,$(SUP_SRCS))
define service_lib
$(B)/lib/libflurm-$(1).a: $(call obj,$(filter-out services/$(1)/main.c,$(wildcard services/$(1)/*.c)))
$(B)/bin/flurm-$(1): $(call obj,services/$(1)/main.c) $(B)/lib/libflurm-$(1).a $(LIB_WIRE) $(LIB_COMMON)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(B)/lib/libflurm-$(1).a $(LIB_WIRE) $(LIB_COMMON) $$(LDLIBS)
endef
$(foreach s,$(SERVICES),$(eval $(call service_lib,$(s))))

$(B)/lib/%.a:
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^ $(if $^,,$(B)/obj/empty.o)

$(B)/bin/flurm-sup: $(call obj,supervisor/main.c) $(LIB_SUP) $(LIB_WIRE) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB_SUP) $(LIB_WIRE) $(LIB_COMMON) $(LDLIBS)

$(B)/test/bin/%: $(B)/obj/test/bin/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(LDLIBS)

$(B)/test/%: $(B)/obj/test/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(CHECK_LIBS) $(LDLIBS)

$(B)/bench/%: $(B)/obj/bench/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(LDLIBS)

# The version lives in one object: its header is rewritten only when the
# version changes, so a commit recompiles common/version.c and relinks.
GEN := $(B)/gen
$(GEN)/flurm_build_version.h: FORCE
	@mkdir -p $(dir $@)
	@echo '#define FLURM_BUILD_VERSION "$(VERSION)"' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
$(B)/obj/common/version.o: $(GEN)/flurm_build_version.h
$(B)/obj/common/version.o: CPPFLAGS += -I$(GEN)
.PHONY: FORCE
FORCE:

# An empty component still yields a valid (empty) archive.
$(B)/obj/empty.o:
	@mkdir -p $(dir $@)
	echo 'typedef int flurm_empty_unit;' | $(CC) $(CFLAGS) -x c -c - -o $@
$(ALL_LIBS): | $(B)/obj/empty.o

# ---- the README's commands ---------------------------------------------------
setup:
	@scripts/setup

test: setup
	@$(MAKE) --no-print-directory all
	@B=$(B) scripts/run-tests

test-asan: setup
	@$(MAKE) --no-print-directory SAN=1 all
	@B=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 scripts/run-tests

asan:
	@$(MAKE) --no-print-directory SAN=1 all

run: setup
	@$(MAKE) --no-print-directory all
	@B=$(B) scripts/flurm-local run

fuzz:
	@$(MAKE) --no-print-directory -f test/fuzz/fuzz.mk

bench: setup
	@$(MAKE) --no-print-directory all
	@B=$(B) bench/run --jobs

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
