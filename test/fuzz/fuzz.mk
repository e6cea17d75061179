# Fuzz targets (libFuzzer, clang), called by the top Makefile's `make fuzz`.
#
#   make -f test/fuzz/fuzz.mk                     build build-fuzz/fuzz_frame + corpus
#   make -f test/fuzz/fuzz.mk run FUZZ_SECONDS=60 a bounded run seeded with the captures
#
# The wire library is compiled again here with the fuzzer's instrumentation;
# the seed corpus is every captured frame of test/vectors/ in binary form.

FUZZ_B       ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer -g -O1
FUZZ_CFLAGS  := -std=gnu11 -I. -D_GNU_SOURCE -MMD -MP -Wall -Wextra -Werror -Wshadow
FUZZ_LIBS    := -ljansson -lmunge -lm

FUZZ_WIRE    := $(wildcard wire/*.c)
FUZZ_OBJS    := $(patsubst %.c,$(FUZZ_B)/obj/%.o,$(FUZZ_WIRE))
FUZZ_VECTORS := $(shell find test/vectors -name '*.hex' 2>/dev/null)
CORPUS       := $(FUZZ_B)/corpus/frame

.PHONY: all run corpus clean
all: $(FUZZ_B)/fuzz_frame corpus

$(FUZZ_B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined \
	  -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1 -c $< -o $@

$(FUZZ_B)/fuzz_frame: test/fuzz/fuzz_frame.c $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_FLAGS) -o $@ $^ $(FUZZ_LIBS)

# One binary seed per captured frame: <command>_<file>.bin
corpus: $(FUZZ_VECTORS)
	@mkdir -p $(CORPUS)
	@for f in $(FUZZ_VECTORS); do \
	  d=$$(basename $$(dirname $$f)); n=$$(basename $$f .hex); \
	  tr -d ' \n\r\t' < $$f | xxd -r -p > $(CORPUS)/$${d}_$$n.bin; \
	done
	@echo "corpus: $$(ls $(CORPUS) | wc -l) seeds in $(CORPUS)"

# Runs FUZZ_SECONDS; new inputs go to $(FUZZ_B)/corpus/new, crashes to $(FUZZ_B)/.
run: all
	@mkdir -p $(FUZZ_B)/corpus/new
	ASAN_OPTIONS=detect_leaks=1 $(FUZZ_B)/fuzz_frame -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=$(FUZZ_B)/ \
	  $(FUZZ_B)/corpus/new $(CORPUS)

clean:
	rm -rf $(FUZZ_B)

-include $(shell find $(FUZZ_B)/obj -name '*.d' 2>/dev/null)
