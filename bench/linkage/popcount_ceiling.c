/* Single-core ceiling for 1024-bit Dice comparisons: for every pair of two arrays of random
 * 1024-bit filters, c = popcount(a & b) and the test 5c >= 2(|a| + |b|) (Dice >= 0.8), with
 * the popcounts precomputed. AVX-512 VPOPCNTQ, two kernels, the faster one is the ceiling:
 *   tile4x1: 4 a x 1 b, each pair's 16 words in two registers, a horizontal sum per pair;
 *   tile8x8: b transposed in blocks of 8 filters (word q of 8 filters in one register),
 *            8 a x 8 b per block, broadcast a words, no horizontal sums, vector test.
 * B walked in L2-sized blocks. Prints pairs per second; counts matches so that nothing can
 * be elided.
 *   gcc -O3 -march=native -o popcount_ceiling popcount_ceiling.c && ./popcount_ceiling 10000
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t s = 42;
static uint64_t next(void) {
    s += 0x9E3779B97F4A7C15ull;
    uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10000;
    n -= n % 4;
    uint64_t *a = aligned_alloc(64, n * 128), *b = aligned_alloc(64, n * 128);
    uint32_t *ca = malloc(n * 4), *cb = malloc(n * 4);
    for (long i = 0; i < n * 16; i++) { a[i] = next(); b[i] = next(); }
    for (long i = 0; i < n; i++) {
        ca[i] = cb[i] = 0;
        for (int w = 0; w < 16; w++) { ca[i] += __builtin_popcountll(a[i*16+w]); cb[i] += __builtin_popcountll(b[i*16+w]); }
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long matches = 0;
    const long block = 4096; /* 512 KiB of B */
    for (long jb = 0; jb < n; jb += block) {
        long je = jb + block < n ? jb + block : n;
        for (long i = 0; i < n; i += 4) {
            __m512i a0l = _mm512_load_si512(a + (i+0)*16), a0h = _mm512_load_si512(a + (i+0)*16 + 8);
            __m512i a1l = _mm512_load_si512(a + (i+1)*16), a1h = _mm512_load_si512(a + (i+1)*16 + 8);
            __m512i a2l = _mm512_load_si512(a + (i+2)*16), a2h = _mm512_load_si512(a + (i+2)*16 + 8);
            __m512i a3l = _mm512_load_si512(a + (i+3)*16), a3h = _mm512_load_si512(a + (i+3)*16 + 8);
            for (long j = jb; j < je; j++) {
                __m512i bl = _mm512_load_si512(b + j*16), bh = _mm512_load_si512(b + j*16 + 8);
                uint64_t c0 = _mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_popcnt_epi64(_mm512_and_si512(a0l, bl)), _mm512_popcnt_epi64(_mm512_and_si512(a0h, bh))));
                uint64_t c1 = _mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_popcnt_epi64(_mm512_and_si512(a1l, bl)), _mm512_popcnt_epi64(_mm512_and_si512(a1h, bh))));
                uint64_t c2 = _mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_popcnt_epi64(_mm512_and_si512(a2l, bl)), _mm512_popcnt_epi64(_mm512_and_si512(a2h, bh))));
                uint64_t c3 = _mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_popcnt_epi64(_mm512_and_si512(a3l, bl)), _mm512_popcnt_epi64(_mm512_and_si512(a3h, bh))));
                matches += (5*c0 >= 2*(ca[i]+cb[j])) + (5*c1 >= 2*(ca[i+1]+cb[j])) + (5*c2 >= 2*(ca[i+2]+cb[j])) + (5*c3 >= 2*(ca[i+3]+cb[j]));
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);

    /* tile8x8: B transposed (done before timing, as a layout choice), n a multiple of 8 */
    long n8 = n - n % 8;
    uint64_t *bt = aligned_alloc(64, n8 * 128), *cb64 = aligned_alloc(64, n8 * 8);
    for (long j = 0; j < n8; j++) {
        cb64[j] = cb[j];
        for (int q = 0; q < 16; q++) bt[((j / 8) * 16 + q) * 8 + j % 8] = b[j*16 + q];
    }
    struct timespec t2, t3;
    clock_gettime(CLOCK_MONOTONIC, &t2);
    long matches8 = 0;
    const long block8 = 4096;
    for (long jb = 0; jb < n8; jb += block8) {
        long je = jb + block8 < n8 ? jb + block8 : n8;
        for (long i = 0; i + 8 <= n8; i += 8) {
            const uint64_t *ar = a + i*16;
            for (long j = jb; j < je; j += 8) {
                const uint64_t *bb = bt + (j / 8) * 16 * 8;
                __m512i acc[8];
                for (int r = 0; r < 8; r++) acc[r] = _mm512_setzero_si512();
                for (int q = 0; q < 16; q++) {
                    __m512i bv = _mm512_load_si512(bb + q*8);
                    for (int r = 0; r < 8; r++)
                        acc[r] = _mm512_add_epi64(acc[r], _mm512_popcnt_epi64(_mm512_and_si512(_mm512_set1_epi64(ar[r*16 + q]), bv)));
                }
                __m512i cbv = _mm512_load_si512(cb64 + j);
                for (int r = 0; r < 8; r++) {
                    __m512i lhs = _mm512_add_epi64(_mm512_slli_epi64(acc[r], 2), acc[r]);
                    __m512i rhs = _mm512_slli_epi64(_mm512_add_epi64(_mm512_set1_epi64(ca[i+r]), cbv), 1);
                    matches8 += __builtin_popcount(_mm512_cmpge_epu64_mask(lhs, rhs));
                }
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t3);
    double sec8 = (t3.tv_sec - t2.tv_sec) + 1e-9 * (t3.tv_nsec - t2.tv_nsec);
    double r4 = (double)n * n / sec, r8 = (double)n8 * n8 / sec8;
    printf("{\"n\": %ld, \"comparisons\": %ld, \"matches\": %ld, \"seconds\": %.4f, "
           "\"tile4x1_comparisons_per_s\": %.0f, \"tile8x8_comparisons_per_s\": %.0f, \"tile8x8_matches\": %ld, "
           "\"comparisons_per_s\": %.0f}\n",
           n, n * n, matches, sec, r4, r8, matches8, r4 > r8 ? r4 : r8);
    return 0;
}
