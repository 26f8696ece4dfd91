#include "textflag.h"

// The two neuron kernels (condStepAVX2, condStepEulerAVX2) share their registers: DI the
// constants k, SI v, R8 ge, R9 gi, R10 u, R11 ref, R12 vold, R13 as, R14 bs, R15 flags, CX n,
// AX the neuron, DX the flags byte, X15 zero.
#define COND_ARGS \
	MOVQ k+0(FP), DI \
	MOVQ v+8(FP), SI \
	MOVQ ge+16(FP), R8 \
	MOVQ gi+24(FP), R9 \
	MOVQ u+32(FP), R10 \
	MOVQ ref+40(FP), R11 \
	MOVQ vold+48(FP), R12 \
	MOVQ as+56(FP), R13 \
	MOVQ bs+64(FP), R14 \
	MOVQ flags+72(FP), R15 \
	MOVQ n+80(FP), CX \
	XORQ AX, AX \
	XORQ DX, DX \
	VPXOR X15, X15, X15

// COND_DECAY, with ge in Y0, gi in Y1 and the step-mean conductances a, b in Y2, Y3: stores
// ge·de, gi·di, a and b, and leaves g = (one + a) + b in Y4 and x = dtTau·g in Y5.
#define COND_DECAY \
	VMULPD  64(DI), Y0, Y0 \
	VMOVUPD Y0, (R8)(AX*8) \
	VMULPD  96(DI), Y1, Y1 \
	VMOVUPD Y1, (R9)(AX*8) \
	VMOVUPD Y2, (R13)(AX*8) \
	VMOVUPD Y3, (R14)(AX*8) \
	VADDPD  256(DI), Y2, Y4 \
	VADDPD  Y3, Y4, Y4 \
	VMULPD  128(DI), Y4, Y5

// COND_NUM leaves num = (vrest + a·ee) + b·ei in Y10 (a, b in Y2, Y3).
#define COND_NUM \
	VMULPD  192(DI), Y2, Y10 \
	VADDPD  160(DI), Y10, Y10 \
	VMULPD  224(DI), Y3, Y11 \
	VADDPD  Y11, Y10, Y10

// COND_VOLD loads the old v into Y11 and stores it to vold.
#define COND_VOLD \
	VMOVUPD (SI)(AX*8), Y11 \
	VMOVUPD Y11, (R12)(AX*8)

// COND_FLAGS, with x in Y5, the old v in Y11 and the new one in Y10: hold = refractory or
// x ≥ xmax (GE_OQ); v = hold ? vo : vn; the flags byte gets hold or vn > thr + ths·u (GT_OQ);
// AX and DX move on.
#define COND_FLAGS \
	VCMPPD  $0x1D, 480(DI), Y5, Y6 \
	VMOVDQU (R11)(AX*4), X7 \
	VPCMPGTD X15, X7, X7 \
	VPMOVSXDQ X7, Y7 \
	VORPD   Y7, Y6, Y6 \
	VBLENDVPD Y6, Y11, Y10, Y13 \
	VMOVUPD Y13, (SI)(AX*8) \
	VMOVUPD 448(DI), Y0 \
	VMULPD  (R10)(AX*8), Y0, Y0 \
	VADDPD  416(DI), Y0, Y0 \
	VCMPPD  $0x1E, Y0, Y10, Y0 \
	VORPD   Y6, Y0, Y0 \
	VMOVMSKPD Y0, BX \
	MOVB    BX, (R15)(DX*1) \
	ADDQ    $4, AX \
	INCQ    DX

// func condStepAVX2(k *condConsts, v, ge, gi, u *float64, ref *int32, vold, as, bs *float64, flags *uint8, n int)
// n must be a multiple of 4. Each constant of k is stored four times
// (32 bytes), in the order of the fields of condConsts. The operations are
// those of condStepGo, in the same order, without fused multiply-adds.
TEXT ·condStepAVX2(SB), NOSPLIT, $0-88
	COND_ARGS

loop:
	CMPQ AX, CX
	JGE  done
	VMOVUPD (R8)(AX*8), Y0     // ge
	VMOVUPD (R9)(AX*8), Y1     // gi
	VMULPD  0(DI), Y0, Y2      // a = ce·ge
	VMULPD  32(DI), Y1, Y3     // b = ci·gi
	COND_DECAY
	VMULPD  Y5, Y5, Y6         // x2
	VMULPD  320(DI), Y5, Y7    // x·c3
	VMOVUPD 288(DI), Y8
	VSUBPD  Y7, Y8, Y7         // t2 = c2 − x·c3
	VMULPD  384(DI), Y5, Y8    // x·c5
	VMOVUPD 352(DI), Y9
	VSUBPD  Y8, Y9, Y8         // t3 = c4 − x·c5
	VMULPD  Y8, Y6, Y8         // x2·t3
	VADDPD  Y8, Y7, Y7         // t2 += x2·t3
	VMULPD  Y7, Y6, Y7         // x2·t2
	VMOVUPD 256(DI), Y9
	VSUBPD  Y5, Y9, Y9         // t1 = one − x
	VADDPD  Y7, Y9, Y9         // e = t1 + x2·t2
	COND_NUM
	VDIVPD  Y4, Y10, Y10       // vinf = num/g
	COND_VOLD
	VSUBPD  Y10, Y11, Y12      // vo − vinf
	VMULPD  Y9, Y12, Y12       // (vo − vinf)·e
	VADDPD  Y12, Y10, Y10      // vn = vinf + (vo − vinf)·e
	COND_FLAGS
	JMP     loop

done:
	VZEROUPPER
	RET

// func condStepEulerAVX2(k *condConsts, v, ge, gi, u *float64, ref *int32, vold, as, bs *float64, flags *uint8, n int)
// The forward-Euler pass (ce = ci = 1): a = ge, b = gi, and
// vn = vo + dtTau·(num − g·vo), Brian's v + dt/τm·(…) without a division;
// otherwise the operations of condStepAVX2. The same bits as condStepGo with
// k.euler.
TEXT ·condStepEulerAVX2(SB), NOSPLIT, $0-88
	COND_ARGS

eloop:
	CMPQ AX, CX
	JGE  edone
	VMOVUPD (R8)(AX*8), Y0     // ge
	VMOVUPD (R9)(AX*8), Y1     // gi
	VMOVAPD Y0, Y2             // a = ge (ce = 1)
	VMOVAPD Y1, Y3             // b = gi (ci = 1)
	COND_DECAY
	COND_NUM
	COND_VOLD
	VMULPD  Y11, Y4, Y12       // g·vo
	VSUBPD  Y12, Y10, Y12      // num − g·vo
	VMULPD  128(DI), Y12, Y12  // dtTau·(num − g·vo)
	VADDPD  Y12, Y11, Y10      // vn = vo + dtTau·(num − g·vo)
	COND_FLAGS
	JMP     eloop

edone:
	VZEROUPPER
	RET

// func scatterAdd(ring *float64, offs *int32, src *float64, n int)
// ring[offs[j]] += src[j] for j < n; the caller checks the offsets.
TEXT ·scatterAdd(SB), NOSPLIT, $0-32
	MOVQ ring+0(FP), DI
	MOVQ offs+8(FP), SI
	MOVQ src+16(FP), DX
	MOVQ n+24(FP), CX
	XORQ AX, AX
	MOVQ CX, BX
	ANDQ $-2, BX

pair:
	CMPQ    AX, BX
	JGE     tail
	MOVLQSX (SI)(AX*4), R8
	MOVLQSX 4(SI)(AX*4), R9
	MOVSD   (DX)(AX*8), X0
	MOVSD   8(DX)(AX*8), X1
	ADDSD   (DI)(R8*8), X0
	MOVSD   X0, (DI)(R8*8)
	ADDSD   (DI)(R9*8), X1
	MOVSD   X1, (DI)(R9*8)
	ADDQ    $2, AX
	JMP     pair

tail:
	CMPQ    AX, CX
	JGE     done2
	MOVLQSX (SI)(AX*4), R8
	MOVSD   (DX)(AX*8), X0
	ADDSD   (DI)(R8*8), X0
	MOVSD   X0, (DI)(R8*8)

done2:
	RET

// func drainAVX2(dst, lo, hi *float64, n int)
// dst[j] += lo[j] + hi[j]; lo[j] = hi[j] = 0, for j < n (n a multiple of 4).
TEXT ·drainAVX2(SB), NOSPLIT, $0-32
	MOVQ   dst+0(FP), DI
	MOVQ   lo+8(FP), SI
	MOVQ   hi+16(FP), DX
	MOVQ   n+24(FP), CX
	XORQ   AX, AX
	VXORPD Y3, Y3, Y3

dloop:
	CMPQ    AX, CX
	JGE     ddone
	VMOVUPD (SI)(AX*8), Y0
	VADDPD  (DX)(AX*8), Y0, Y0 // lo + hi
	VADDPD  (DI)(AX*8), Y0, Y0 // dst + (lo + hi)
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y3, (SI)(AX*8)
	VMOVUPD Y3, (DX)(AX*8)
	ADDQ    $4, AX
	JMP     dloop

ddone:
	VZEROUPPER
	RET

// func prefetch(p *int64)
TEXT ·prefetch(SB), NOSPLIT, $0-8
	MOVQ      p+0(FP), AX
	PREFETCHT0 (AX)
	RET
