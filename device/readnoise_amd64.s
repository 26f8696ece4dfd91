#include "textflag.h"

// A word's layout (zigFast): the layer index in its top zigLayerBits bits, a signed magnitude
// in the others.
#define LAYERSHIFT $22
#define MAGSHIFT $10

// func readNoiseAVX2(x *noiseLanes, dst, variance *float64, words *uint32, rej *uint8, blocks int, zk *uint32, zw *float64)
//
// Per block of eight columns, the operations of noiseBlockGo: one xoshiro256++ step of four
// lanes (Y0–Y3 hold words s0–s3 of the lanes), the ziggurat's fast test on the eight 32-bit
// halves, then for each half of four columns z = j·w_i, n = √V·z and, where the test passed
// and V > 0, dst += n and V = 0 (blends, so untouched columns keep their bits).
TEXT ·readNoiseAVX2(SB), NOSPLIT, $0-64
	MOVQ x+0(FP), DI
	MOVQ dst+8(FP), SI
	MOVQ variance+16(FP), DX
	MOVQ words+24(FP), R8
	MOVQ rej+32(FP), R9
	MOVQ blocks+40(FP), CX
	MOVQ zk+48(FP), R10
	MOVQ zw+56(FP), R11
	VMOVDQU 0(DI), Y0
	VMOVDQU 32(DI), Y1
	VMOVDQU 64(DI), Y2
	VMOVDQU 96(DI), Y3
	VPCMPEQD Y15, Y15, Y15     // all ones
	VXORPD   Y14, Y14, Y14     // zero
	XORQ AX, AX                // block

loop:
	CMPQ AX, CX
	JGE  done
	// out = rotl(s0 + s3, 23) + s0
	VPADDQ Y0, Y3, Y4
	VPSLLQ $23, Y4, Y5
	VPSRLQ $41, Y4, Y4
	VPOR   Y5, Y4, Y4
	VPADDQ Y0, Y4, Y4
	// t = s1 << 17; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)
	VPSLLQ $17, Y1, Y5
	VPXOR  Y0, Y2, Y2
	VPXOR  Y1, Y3, Y3
	VPXOR  Y2, Y1, Y1
	VPXOR  Y3, Y0, Y0
	VPXOR  Y5, Y2, Y2
	VPSLLQ $45, Y3, Y5
	VPSRLQ $19, Y3, Y3
	VPOR   Y5, Y3, Y3

	MOVQ    AX, BX
	SHLQ    $5, BX             // 32 bytes of words per block
	VMOVDQU Y4, (R8)(BX*1)
	VPSRLD  LAYERSHIFT, Y4, Y6        // layer i
	VPSLLD  MAGSHIFT, Y4, Y7
	VPSRAD  MAGSHIFT, Y7, Y7         // signed magnitude j
	VPABSD  Y7, Y8
	VMOVDQU Y15, Y9
	VPXOR   Y10, Y10, Y10
	VPGATHERDD Y9, (R10)(Y6*4), Y10 // K[i]
	VPCMPGTD Y8, Y10, Y10      // accepted: K[i] > |j|
	VMOVMSKPS Y10, BX
	XORL    $0xff, BX
	MOVB    BX, (R9)(AX*1)

	MOVQ    AX, BX
	SHLQ    $6, BX             // 64 bytes of dst and variance per block

	// Columns 0–3 of the block.
	VCVTDQ2PD X7, Y11          // j
	VMOVDQU Y15, Y9
	VXORPD  Y12, Y12, Y12
	VGATHERDPD Y9, (R11)(X6*8), Y12 // w_i
	VMULPD  Y12, Y11, Y11      // z = j·w_i
	VMOVUPD (DX)(BX*1), Y12    // V
	VSQRTPD Y12, Y13
	VMULPD  Y11, Y13, Y13      // n = √V·z
	VCMPPD  $0x1e, Y14, Y12, Y8 // V > 0
	VPMOVSXDQ X10, Y9          // accepted, as four quadword masks
	VANDPD  Y9, Y8, Y8
	VMOVUPD (SI)(BX*1), Y9
	VADDPD  Y13, Y9, Y13
	VBLENDVPD Y8, Y13, Y9, Y9
	VMOVUPD Y9, (SI)(BX*1)
	VBLENDVPD Y8, Y14, Y12, Y12
	VMOVUPD Y12, (DX)(BX*1)

	// Columns 4–7.
	VEXTRACTI128 $1, Y7, X7
	VEXTRACTI128 $1, Y6, X6
	VEXTRACTI128 $1, Y10, X10
	VCVTDQ2PD X7, Y11
	VMOVDQU Y15, Y9
	VXORPD  Y12, Y12, Y12
	VGATHERDPD Y9, (R11)(X6*8), Y12
	VMULPD  Y12, Y11, Y11
	VMOVUPD 32(DX)(BX*1), Y12
	VSQRTPD Y12, Y13
	VMULPD  Y11, Y13, Y13
	VCMPPD  $0x1e, Y14, Y12, Y8
	VPMOVSXDQ X10, Y9
	VANDPD  Y9, Y8, Y8
	VMOVUPD 32(SI)(BX*1), Y9
	VADDPD  Y13, Y9, Y13
	VBLENDVPD Y8, Y13, Y9, Y9
	VMOVUPD Y9, 32(SI)(BX*1)
	VBLENDVPD Y8, Y14, Y12, Y12
	VMOVUPD Y12, 32(DX)(BX*1)

	INCQ AX
	JMP  loop

done:
	VMOVDQU Y0, 0(DI)
	VMOVDQU Y1, 32(DI)
	VMOVDQU Y2, 64(DI)
	VMOVDQU Y3, 96(DI)
	VZEROUPPER
	RET

// func drainNoiseAVX2(x *noiseLanes, dst *float64, lo, hi *[2]float64, variance *float64, words *uint32, rej *uint8, blocks int, zk *uint32, zw *float64)
//
// DrainReadNoise's fast pass over blocks·8 columns: per column, W = lo[0] + hi[0] and
// V = lo[1] + hi[1] (lo, hi zeroed), dst += W, then readNoiseAVX2's operations on dst and V in
// registers; V is stored to variance as readNoiseAVX2 leaves it (0 where the noise was added),
// for the slow path. The same operations in the same order as drainPairs then readNoiseAVX2.
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
	VMOVDQU 0(DI), Y0
	VMOVDQU 32(DI), Y1
	VMOVDQU 64(DI), Y2
	VMOVDQU 96(DI), Y3
	VPCMPEQD Y15, Y15, Y15     // all ones
	VXORPD   Y14, Y14, Y14     // zero
	XORQ AX, AX                // block

dloop:
	CMPQ AX, CX
	JGE  ddone
	// The lanes' step, as in readNoiseAVX2.
	VPADDQ Y0, Y3, Y4
	VPSLLQ $23, Y4, Y5
	VPSRLQ $41, Y4, Y4
	VPOR   Y5, Y4, Y4
	VPADDQ Y0, Y4, Y4
	VPSLLQ $17, Y1, Y5
	VPXOR  Y0, Y2, Y2
	VPXOR  Y1, Y3, Y3
	VPXOR  Y2, Y1, Y1
	VPXOR  Y3, Y0, Y0
	VPXOR  Y5, Y2, Y2
	VPSLLQ $45, Y3, Y5
	VPSRLQ $19, Y3, Y3
	VPOR   Y5, Y3, Y3

	MOVQ    AX, BX
	SHLQ    $5, BX
	VMOVDQU Y4, (R8)(BX*1)
	VPSRLD  LAYERSHIFT, Y4, Y6        // layer i
	VPSLLD  MAGSHIFT, Y4, Y7
	VPSRAD  MAGSHIFT, Y7, Y7         // signed magnitude j
	VPABSD  Y7, Y8
	VMOVDQU Y15, Y9
	VPXOR   Y10, Y10, Y10
	VPGATHERDD Y9, (R10)(Y6*4), Y10 // K[i]
	VPCMPGTD Y8, Y10, Y10      // accepted
	VMOVMSKPS Y10, BX
	XORL    $0xff, BX
	MOVB    BX, (R9)(AX*1)

	MOVQ    AX, BX
	SHLQ    $6, BX             // 64 bytes of dst and variance per block
	MOVQ    AX, R12
	SHLQ    $7, R12            // 128 bytes of pairs per block

	// Columns 0–3: drain.
	VMOVUPD (R13)(R12*1), Y4   // lo: (w0, v0 | w1, v1)
	VADDPD  (R14)(R12*1), Y4, Y4 // + hi
	VMOVUPD 32(R13)(R12*1), Y5
	VADDPD  32(R14)(R12*1), Y5, Y5
	VMOVUPD Y14, (R13)(R12*1)
	VMOVUPD Y14, 32(R13)(R12*1)
	VMOVUPD Y14, (R14)(R12*1)
	VMOVUPD Y14, 32(R14)(R12*1)
	VUNPCKLPD Y5, Y4, Y9       // (W0, W2 | W1, W3)
	VUNPCKHPD Y5, Y4, Y12      // (V0, V2 | V1, V3)
	VPERMPD $0xD8, Y9, Y9      // W
	VPERMPD $0xD8, Y12, Y12    // V
	VADDPD  (SI)(BX*1), Y9, Y9 // d = dst + W
	// Noise.
	VCVTDQ2PD X7, Y11          // j
	VMOVDQU Y15, Y4
	VXORPD  Y5, Y5, Y5
	VGATHERDPD Y4, (R11)(X6*8), Y5 // w_i
	VMULPD  Y5, Y11, Y11       // z = j·w_i
	VSQRTPD Y12, Y13
	VMULPD  Y11, Y13, Y13      // n = √V·z
	VCMPPD  $0x1e, Y14, Y12, Y8 // V > 0
	VPMOVSXDQ X10, Y4
	VANDPD  Y4, Y8, Y8
	VADDPD  Y13, Y9, Y13
	VBLENDVPD Y8, Y13, Y9, Y9
	VMOVUPD Y9, (SI)(BX*1)
	VBLENDVPD Y8, Y14, Y12, Y12
	VMOVUPD Y12, (DX)(BX*1)

	// Columns 4–7.
	VEXTRACTI128 $1, Y7, X7
	VEXTRACTI128 $1, Y6, X6
	VEXTRACTI128 $1, Y10, X10
	VMOVUPD 64(R13)(R12*1), Y4
	VADDPD  64(R14)(R12*1), Y4, Y4
	VMOVUPD 96(R13)(R12*1), Y5
	VADDPD  96(R14)(R12*1), Y5, Y5
	VMOVUPD Y14, 64(R13)(R12*1)
	VMOVUPD Y14, 96(R13)(R12*1)
	VMOVUPD Y14, 64(R14)(R12*1)
	VMOVUPD Y14, 96(R14)(R12*1)
	VUNPCKLPD Y5, Y4, Y9
	VUNPCKHPD Y5, Y4, Y12
	VPERMPD $0xD8, Y9, Y9
	VPERMPD $0xD8, Y12, Y12
	VADDPD  32(SI)(BX*1), Y9, Y9
	VCVTDQ2PD X7, Y11
	VMOVDQU Y15, Y4
	VXORPD  Y5, Y5, Y5
	VGATHERDPD Y4, (R11)(X6*8), Y5
	VMULPD  Y5, Y11, Y11
	VSQRTPD Y12, Y13
	VMULPD  Y11, Y13, Y13
	VCMPPD  $0x1e, Y14, Y12, Y8
	VPMOVSXDQ X10, Y4
	VANDPD  Y4, Y8, Y8
	VADDPD  Y13, Y9, Y13
	VBLENDVPD Y8, Y13, Y9, Y9
	VMOVUPD Y9, 32(SI)(BX*1)
	VBLENDVPD Y8, Y14, Y12, Y12
	VMOVUPD Y12, 32(DX)(BX*1)

	INCQ AX
	JMP  dloop

ddone:
	VMOVDQU Y0, 0(DI)
	VMOVDQU Y1, 32(DI)
	VMOVDQU Y2, 64(DI)
	VMOVDQU Y3, 96(DI)
	VZEROUPPER
	RET
