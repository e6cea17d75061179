/*
 * k12.h - KangarooTwelve (KT128) and TurboSHAKE128, RFC 9861.
 *
 * SLURM 22.05 puts 0x02 || K12(body, customization = msg_type as two
 * big-endian bytes, 32 bytes) in the munge payload of every message
 * (hash/k12 plugin), so every body we send or receive is hashed with it.
 * Written from the RFC; the Keccak-p[1600, 12] permutation is plain C.
 */
#ifndef FLURM_WIRE_K12_H
#define FLURM_WIRE_K12_H

#include <stddef.h>
#include <stdint.h>

/* Size of the hash SLURM's hash/k12 plugin puts in a munge payload. */
#define FLURM_K12_SLURM_LEN 32

/*
 * KangarooTwelve: out_len bytes of K12(msg, custom) into out.
 * All buffers are borrowed; out must hold out_len bytes.  msg / custom may
 * be NULL only when their length is 0.  Any out_len is allowed (XOF).
 * Returns 0, or -1 with errno = EINVAL on a NULL buffer with a length.
 */
int flurm_k12(const void *msg, size_t msg_len, const void *custom,
              size_t custom_len, void *out, size_t out_len);

/*
 * TurboSHAKE128 with domain separation byte `domain` (0x01..0x7F; the
 * RFC's default is 0x1F).  Buffers borrowed as for flurm_k12().
 * Returns 0, or -1 with errno = EINVAL on a bad domain or NULL buffer.
 */
int flurm_turboshake128(const void *msg, size_t msg_len, uint8_t domain,
                        void *out, size_t out_len);

#endif
