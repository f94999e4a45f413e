/* Single-core ceiling for 1024-bit Dice comparisons: for every pair of two arrays of random
 * 1024-bit filters, c = popcount(a & b) and the test 5c >= 2(|a| + |b|) (Dice >= 0.8), with
 * the popcounts precomputed. AVX-512 VPOPCNTQ, 4 a x 2 b register tile, B walked in L2-sized
 * blocks. Prints pairs per second; counts matches so that nothing can be elided.
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
    printf("{\"n\": %ld, \"comparisons\": %ld, \"matches\": %ld, \"seconds\": %.4f, \"comparisons_per_s\": %.0f}\n",
           n, n * n, matches, sec, (double)n * n / sec);
    return 0;
}
