#include "textflag.h"

// A word's layout (zigFast): the layer index in its top zigLayerBits bits, a signed magnitude
// in the others.
#define LAYERSHIFT $22
#define MAGSHIFT $10

// The two kernels share their registers: Y0–Y3 the four xoshiro256++ lanes (word k of every
// lane in Yk), Y14 zero, Y15 all ones, AX the block, R8 the words, R9 the rejection bytes, R10
// the ziggurat's K table, R11 its W table, SI dst, DX variance.

// LANES_LOAD and LANES_STORE move the lanes between *DI and Y0–Y3.
#define LANES_LOAD \
	VMOVDQU 0(DI), Y0 \
	VMOVDQU 32(DI), Y1 \
	VMOVDQU 64(DI), Y2 \
	VMOVDQU 96(DI), Y3 \
	VPCMPEQD Y15, Y15, Y15 \
	VXORPD   Y14, Y14, Y14

#define LANES_STORE \
	VMOVDQU Y0, 0(DI) \
	VMOVDQU Y1, 32(DI) \
	VMOVDQU Y2, 64(DI) \
	VMOVDQU Y3, 96(DI)

// ZIG_BLOCK steps the lanes once (out = rotl(s0 + s3, 23) + s0; t = s1 << 17; s2 ^= s0;
// s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)), stores the block's eight words,
// and runs the ziggurat's fast test on them: Y6 the layers i, Y7 the signed magnitudes j, Y10
// the accepted columns (K[i] > |j|), and the rejected ones as the bits of rej[AX]. Uses Y4,
// Y5, Y8, Y9, BX.
#define ZIG_BLOCK \
	VPADDQ Y0, Y3, Y4 \
	VPSLLQ $23, Y4, Y5 \
	VPSRLQ $41, Y4, Y4 \
	VPOR   Y5, Y4, Y4 \
	VPADDQ Y0, Y4, Y4 \
	VPSLLQ $17, Y1, Y5 \
	VPXOR  Y0, Y2, Y2 \
	VPXOR  Y1, Y3, Y3 \
	VPXOR  Y2, Y1, Y1 \
	VPXOR  Y3, Y0, Y0 \
	VPXOR  Y5, Y2, Y2 \
	VPSLLQ $45, Y3, Y5 \
	VPSRLQ $19, Y3, Y3 \
	VPOR   Y5, Y3, Y3 \
	MOVQ    AX, BX \
	SHLQ    $5, BX \
	VMOVDQU Y4, (R8)(BX*1) \
	VPSRLD  LAYERSHIFT, Y4, Y6 \
	VPSLLD  MAGSHIFT, Y4, Y7 \
	VPSRAD  MAGSHIFT, Y7, Y7 \
	VPABSD  Y7, Y8 \
	VMOVDQU Y15, Y9 \
	VPXOR   Y10, Y10, Y10 \
	VPGATHERDD Y9, (R10)(Y6*4), Y10 \
	VPCMPGTD Y8, Y10, Y10 \
	VMOVMSKPS Y10, BX \
	XORL    $0xff, BX \
	MOVB    BX, (R9)(AX*1)

// NOISE_HALF adds the noise of four columns, whose j, i and accepted masks are the low halves
// of Y7, Y6 and Y10, their dst in Y9 and V in Y12: z = j·w_i, n = √V·z and, where the test
// passed and V > 0, dst += n and V = 0 (blends, so untouched columns keep their bits); dst and V
// are stored at off(SI)(BX*1) and off(DX)(BX*1). Uses Y4, Y5, Y8, Y11, Y13.
#define NOISE_HALF(off) \
	VCVTDQ2PD X7, Y11 \
	VMOVDQU Y15, Y4 \
	VXORPD  Y5, Y5, Y5 \
	VGATHERDPD Y4, (R11)(X6*8), Y5 \
	VMULPD  Y5, Y11, Y11 \
	VSQRTPD Y12, Y13 \
	VMULPD  Y11, Y13, Y13 \
	VCMPPD  $0x1e, Y14, Y12, Y8 \
	VPMOVSXDQ X10, Y4 \
	VANDPD  Y4, Y8, Y8 \
	VADDPD  Y13, Y9, Y13 \
	VBLENDVPD Y8, Y13, Y9, Y9 \
	VMOVUPD Y9, off(SI)(BX*1) \
	VBLENDVPD Y8, Y14, Y12, Y12 \
	VMOVUPD Y12, off(DX)(BX*1)

// NEXT_HALF moves the high halves of Y7, Y6 and Y10 (columns 4–7) down.
#define NEXT_HALF \
	VEXTRACTI128 $1, Y7, X7 \
	VEXTRACTI128 $1, Y6, X6 \
	VEXTRACTI128 $1, Y10, X10

// func readNoiseAVX2(x *noiseLanes, dst, variance *float64, words *uint32, rej *uint8, blocks int, zk *uint32, zw *float64)
//
// Per block of eight columns, the operations of noiseBlockGo: one step of the lanes, the
// ziggurat's fast test on the eight 32-bit halves, then the noise of each half of four columns
// (NOISE_HALF).
TEXT ·readNoiseAVX2(SB), NOSPLIT, $0-64
	MOVQ x+0(FP), DI
	MOVQ dst+8(FP), SI
	MOVQ variance+16(FP), DX
	MOVQ words+24(FP), R8
	MOVQ rej+32(FP), R9
	MOVQ blocks+40(FP), CX
	MOVQ zk+48(FP), R10
	MOVQ zw+56(FP), R11
	LANES_LOAD
	XORQ AX, AX

loop:
	CMPQ AX, CX
	JGE  done
	ZIG_BLOCK
	MOVQ    AX, BX
	SHLQ    $6, BX             // 64 bytes of dst and variance per block
	VMOVUPD (SI)(BX*1), Y9
	VMOVUPD (DX)(BX*1), Y12
	NOISE_HALF(0)
	NEXT_HALF
	VMOVUPD 32(SI)(BX*1), Y9
	VMOVUPD 32(DX)(BX*1), Y12
	NOISE_HALF(32)
	INCQ AX
	JMP  loop

done:
	LANES_STORE
	VZEROUPPER
	RET

// DRAIN_HALF drains four columns' pairs at off(R13)(R12*1) and off(R14)(R12*1) (lo, hi; both
// zeroed): Y9 = dst + W from doff(SI)(BX*1), Y12 = V, for W = lo[0] + hi[0], V = lo[1] + hi[1].
// Uses Y4, Y5.
#define DRAIN_HALF(off, doff) \
	VMOVUPD off(R13)(R12*1), Y4 \
	VADDPD  off(R14)(R12*1), Y4, Y4 \
	VMOVUPD off+32(R13)(R12*1), Y5 \
	VADDPD  off+32(R14)(R12*1), Y5, Y5 \
	VMOVUPD Y14, off(R13)(R12*1) \
	VMOVUPD Y14, off+32(R13)(R12*1) \
	VMOVUPD Y14, off(R14)(R12*1) \
	VMOVUPD Y14, off+32(R14)(R12*1) \
	VUNPCKLPD Y5, Y4, Y9 \
	VUNPCKHPD Y5, Y4, Y12 \
	VPERMPD $0xD8, Y9, Y9 \
	VPERMPD $0xD8, Y12, Y12 \
	VADDPD  doff(SI)(BX*1), Y9, Y9

// func drainNoiseAVX2(x *noiseLanes, dst *float64, lo, hi *[2]float64, variance *float64, words *uint32, rej *uint8, blocks int, zk *uint32, zw *float64)
//
// DrainReadNoise's fast pass over blocks·8 columns: per column, W = lo[0] + hi[0] and
// V = lo[1] + hi[1] (lo, hi zeroed), dst += W, then readNoiseAVX2's operations on dst and V in
// registers; V is stored to variance as readNoiseAVX2 leaves it (0 where the noise was added),
// for the slow path. The same operations in the same order as drainPairsGo then readNoiseAVX2.
TEXT ·drainNoiseAVX2(SB), NOSPLIT, $0-80
	MOVQ x+0(FP), DI
	MOVQ dst+8(FP), SI
	MOVQ lo+16(FP), R13
	MOVQ hi+24(FP), R14
	MOVQ variance+32(FP), DX
	MOVQ words+40(FP), R8
	MOVQ rej+48(FP), R9
	MOVQ blocks+56(FP), CX
	MOVQ zk+64(FP), R10
	MOVQ zw+72(FP), R11
	LANES_LOAD
	XORQ AX, AX

dloop:
	CMPQ AX, CX
	JGE  ddone
	ZIG_BLOCK
	MOVQ    AX, BX
	SHLQ    $6, BX             // 64 bytes of dst and variance per block
	MOVQ    AX, R12
	SHLQ    $7, R12            // 128 bytes of pairs per block
	DRAIN_HALF(0, 0)
	NOISE_HALF(0)
	NEXT_HALF
	DRAIN_HALF(64, 32)
	NOISE_HALF(32)
	INCQ AX
	JMP  dloop

ddone:
	LANES_STORE
	VZEROUPPER
	RET
