// cpu_peak: the float32 multiply-add peak of this machine's cores, measured,
// for the GFLOP/s that scripts/bench_realistic.sh reports beside it.
//
// Each thread runs 12 independent chains of 8-wide AVX2 FMAs (enough to keep
// two FMA pipes of 4-5 cycles' latency busy), 16 FLOPs per FMA; one thread,
// then one per core at once (turbo clocks drop when every core is busy). The
// clock is estimated from a chain of dependent integer adds (one a cycle).
//
// Build: cc -O2 -mavx2 -mfma -pthread scripts/cpu_peak.c -o build/cpu_peak
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

enum { CHAINS = 12 };
static const long ITER = 40000000; // per thread: 40M x 12 FMAs

static void *fma_chains(void *out) {
	__m256 acc[CHAINS];
	__m256 x = _mm256_set1_ps(0.9999999f), y = _mm256_set1_ps(1e-7f);
	for (int c = 0; c < CHAINS; c++) acc[c] = _mm256_set1_ps((float)c);
	for (long i = 0; i < ITER; i++) {
#pragma GCC unroll 12
		for (int c = 0; c < CHAINS; c++) acc[c] = _mm256_fmadd_ps(acc[c], x, y);
	}
	__m256 s = acc[0];
	for (int c = 1; c < CHAINS; c++) s = _mm256_add_ps(s, acc[c]);
	float v[8];
	_mm256_storeu_ps(v, s);
	*(float *)out = v[0];
	return NULL;
}

static double gflops(int threads) {
	pthread_t t[256];
	float sink[256];
	double start = now();
	for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, fma_chains, &sink[i]);
	for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
	return threads * (double)ITER * CHAINS * 16 / (now() - start) / 1e9;
}

static double clock_ghz(void) {
	const long n = 400000000;
	long v = 0;
	double start = now();
	for (long i = 0; i < n; i += 8) {
		__asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
		                 "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
		                 : "+r"(v));
	}
	return n / (now() - start) / 1e9;
}

int main(void) {
	int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (cores > 256) cores = 256;
	double ghz = clock_ghz();
	double one = gflops(1), all = gflops(cores);
	printf("clock %.2f GHz (dependent adds); FMA peak %.1f GFLOP/s on 1 core, %.1f GFLOP/s on %d cores\n",
	       ghz, one, all, cores);
	printf("peak_gflops_1=%.1f peak_gflops_all=%.1f cores=%d clock_ghz=%.2f\n", one, all, cores, ghz);
	return 0;
}
