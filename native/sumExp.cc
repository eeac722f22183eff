// The one hot loop that needs -ffast-math to vectorise expf (libmvec). Kept in
// its own translation unit so that the rest of the addon keeps IEEE semantics
// (its NaN/Infinity sentinels), and linked without -ffast-math so that GCC does
// not add crtfastmath.o, which would set flush-to-zero for the whole process.
#include <cmath>
#include <cstdint>

// z = sum exp(l - max), s = sum exp(l - max) (l - max). Blocks of float lanes are
// summed into doubles, which keeps the result within ~1e-7 relative of a float64
// log-softmax.
__attribute__((target_clones("avx512f", "avx2", "default")))
void sumExp(const float* logits, int32_t n, float maxLogit, double& zOut, double& sOut) {
  double z = 0, s = 0;
  constexpr int32_t block = 512;
  for (int32_t b = 0; b < n; b += block) {
    const int32_t end = b + block < n ? b + block : n;
    float zb = 0, sb = 0;
    for (int32_t i = b; i < end; i++) {
      const float d = logits[i] - maxLogit;
      const float e = expf(d);
      zb += e;
      sb += e * d;
    }
    z += zb;
    s += sb;
  }
  zOut = z;
  sOut = s;
}
