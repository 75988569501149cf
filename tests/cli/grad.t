Transcripts of `attn grad`, the backward pass. Every number is worked out by hand before its case.

One query, two keys, d_k = 1 (c = 1): s = [1, 0], α = [e/(1+e), 1/(1+e)] = [σ(1), σ(−1)]
= [0.7311, 0.2689], o = α·v = 0.7311. With L = Σ o, dO = 1:
  dV = αᵀ dO = [0.7311; 0.2689]; dα = dO vᵀ = [1, 0]; D = α·dα = 0.7311;
  dβ = α ⊙ (dα − D) = [0.7311 × 0.2689, 0.2689 × (−0.7311)] = [0.1966, −0.1966] (σ(1)σ(−1));
  dq = c·dβ·k = 0.1966 × 1 + (−0.1966) × 0 = 0.1966; dk = c·dβᵀ q = [0.1966; −0.1966].
$ attn grad --q 1 --k "1;0" --v "1;0" --loss sum
Backward pass of 1 query against 2 keys (d_k = 1, d_v = 1)

  o = 0.7311
  L = Σ o = 0.7311, so dO = ∂L/∂o = 1 in every cell:
  dO = 1

Step 1. Values, dV[j,c] = Σ_i α[i,j]·dO[i,c]   (1×2)ᵀ·(1×1) → 2×1
  dV[0,0] = 0.7311×1 = 0.7311
  dV[1,0] = 0.2689×1 = 0.2689
  dV =
             0
    k0  0.7311
    k1  0.2689

Step 2. Weights, dα[i,j] = dO_i·v_j   (1×1)·(2×1)ᵀ → 1×2
  dα_0 = dO_0·v_0 = 1×1 = 1
  dα_1 = dO_0·v_1 = 1×0 = 0
  dα = [1, 0]

Step 3. Softmax backward, dβ[i,j] = α[i,j]·(dα[i,j] − D_i) with D_i = Σ_l α[i,l]·dα[i,l]
  D = 0.7311×1 + 0.2689×0 = 0.7311
  dβ_0 = 0.7311×(1 - 0.7311) = 0.7311×0.2689 = 0.1966
  dβ_1 = 0.2689×(0 - 0.7311) = 0.2689×(-0.7311) = -0.1966
  dβ = [0.1966, -0.1966]

Step 4. Queries and keys, dq = c·dS·k and dk = c·dSᵀ·q with c = 1
  dq[0,0] = 1 × (0.1966×1 + (-0.1966)×0) = 0.1966
  dk[0,0] = 1 × (0.1966×1) = 0.1966
  dk[1,0] = 1 × ((-0.1966)×1) = -0.1966

dq = 0.1966

dk =
  k0   0.1966
  k1  -0.1966

dv =
  k0  0.7311
  k1  0.2689
? 0

The same as JSON: the forward's keys, then the loss, do, dv, dalpha, dbeta, dq, dk.
$ attn grad --q 1 --k "1;0" --v "1;0" --loss sum --json
{"d_k":1,"scale":1.0,"scores":[[1.0,0.0]],"weights":[[0.7310585786300049,0.2689414213699951]],"output":[[0.7310585786300049]],"loss":{"kind":"sum","value":0.7310585786300049},"do":[[1.0]],"dv":[[0.7310585786300049],[0.2689414213699951]],"dalpha":[[1.0,0.0]],"dbeta":[[0.19661193324148185,-0.19661193324148185]],"dq":[[0.19661193324148185]],"dk":[[0.19661193324148185],[-0.19661193324148185]]}
? 0

Causal, q = k = I₂, v = [[1, 2], [3, 4]], c = 1, dO = I₂. Row 0 sees key 0 only: α₀ = [1, 0].
Row 1: s = [0, 1], α₁ = [0.2689, 0.7311]. dα = dO vᵀ = [[1, 3], [2, 4]].
Row 0: D₀ = 1·1 = 1, dβ₀₀ = 1·(1 − 1) = 0, and the blocked cell gets 0.
Row 1: D₁ = 0.2689·2 + 0.7311·4 = 3.4621; dβ₁₀ = 0.2689 × (2 − 3.4621) = −0.3932,
dβ₁₁ = 0.7311 × (4 − 3.4621) = 0.3932. With k = q = I, dq = dβ and dk = dβᵀ.
dV = αᵀ dO = [[1, 0.2689], [0, 0.7311]].
$ attn grad --q "1,0;0,1" --k "1,0;0,1" --v "1,2;3,4" --mask causal --no-scale --do "1,0;0,1" --json
{"d_k":2,"scale":1.0,"scores":[[1.0,"-Infinity"],[0.0,1.0]],"mask":[[true,false],[true,true]],"weights":[[1.0,0.0],[0.2689414213699951,0.7310585786300049]],"output":[[1.0,2.0],[2.46211715726001,3.4621171572600096]],"do":[[1.0,0.0],[0.0,1.0]],"dv":[[1.0,0.2689414213699951],[0.0,0.7310585786300049]],"dalpha":[[1.0,3.0],[2.0,4.0]],"dbeta":[[0.0,0.0],[-0.39322386648296365,0.39322386648296387]],"dq":[[0.0,0.0],[-0.39322386648296365,0.39322386648296387]],"dk":[[0.0,-0.39322386648296365],[0.0,0.39322386648296387]]}
? 0

One cell of dq, traced back through each key; and one cell of dv (α₁·dO = 0.2689 × 1).
$ attn grad --q 1 --k "1;0" --v "1;0" --loss sum --explain dq:0,0
Cell dq[0,0]: query 0's component 0, through every key
  dq_00 = c·Σ_l dS_0l·k_l0 = 1 × (0.1966×1 + (-0.1966)×0) = 0.1966
  where each dS comes from dO, v and α:
    (0, 0): dα = dO_0·v_0 = 1; dβ = α×(dα − D_0) = 0.7311×(1 - 0.7311) = 0.1966; dS = 0.1966
    (0, 1): dα = dO_0·v_1 = 0; dβ = α×(dα − D_0) = 0.2689×(0 - 0.7311) = -0.1966; dS = -0.1966
  D_0 = Σ_l α_0l·dα_0l = 0.7311
? 0

$ attn grad --q 1 --k "1;0" --v "1;0" --loss sum --explain dv:1,0
Cell dv[1,0]: value 1's component 0, through every query's weight
  dv_10 = Σ_i α_i1·dO_i0 = 0.2689×1 = 0.2689
? 0

The softmax's backward for one cell: D_0 = α·dα = 0.7311×1 + 0.2689×0, and dβ_00 = α_00 × (dα_00 − D_0)
= 0.7311 × 0.2689 = 0.1966.
$ attn grad --q 1 --k "1;0" --v "1;0" --loss sum --explain dbeta:0,0
Cell dβ[0,0]: back through query 0's softmax
  D_0 = Σ_l α_0l·dα_0l = 0.7311×1 + 0.2689×0 = 0.7311
  dβ_00 = α_00×(dα_00 − D_0) = 0.7311×(1 - 0.7311) = 0.1966
? 0

The mean squared error against T = 0: L = ½(0.7311 − 0)² = 0.2672, dO = o − T = 0.7311, so every
gradient above is scaled by 0.7311: dβ = ±0.1966 × 0.7311 = ±0.1437, dV = [0.5344; 0.1966].
$ attn grad --q 1 --k "1;0" --v "1;0" --loss mse --target 0 --json
{"d_k":1,"scale":1.0,"scores":[[1.0,0.0]],"weights":[[0.7310585786300049,0.2689414213699951]],"output":[[0.7310585786300049]],"loss":{"kind":"mse","value":0.2672233226942615},"do":[[0.7310585786300049]],"dv":[[0.534446645388523],[0.19661193324148185]],"dalpha":[[0.7310585786300049,0.0]],"dbeta":[[0.14373484045721513,-0.14373484045721513]],"dq":[[0.14373484045721513]],"dk":[[0.14373484045721513],[-0.14373484045721513]]}
? 0

Through a bias and a softcap (C = 1): x = c·s + b = [4, 0] + [0, 3] = [4, 3], β = tanh(x) =
[0.99933, 0.99505], α = [0.50107, 0.49893]. dα = [1, 0], D = α₀, dβ = [α₀α₁, −α₀α₁] = ±0.25000.
The softcap's slope 1 − tanh²(x) = [0.0013410, 0.0098660]: dx = [0.00033524, −0.0024665], which is
also ∂L/∂b (--dbias). dq = c·dx·k = 0.00033524 × 2 = 0.00067047; dk = c·dxᵀ q = [0.00067047;
−0.0049330].
$ attn grad --q 2 --k "2;0" --v "1;0" --bias "[[0,3]]" --softcap 1 --loss sum --dbias --json
{"d_k":1,"scale":1.0,"scores":[[0.999329299739067,0.9950547536867305]],"weights":[[0.5010686348859328,0.4989313651140673]],"output":[[0.5010686348859328]],"loss":{"kind":"sum","value":0.5010686348859328},"do":[[1.0]],"dv":[[0.5010686348859328],[0.4989313651140673]],"dalpha":[[1.0,0.0]],"dbeta":[[0.24999885801948057,-0.24999885801948063]],"dq":[[0.0006704722788338177]],"dk":[[0.0006704722788338177],[-0.004932996049075613]],"dbias":[[0.00033523613941690883,-0.0024664980245378064]]}
? 0

attend's JSON with a "do" key added is grad's input; its weights and output are checked against
the recomputed forward pass.
$ attn attend --q 1 --k "1;0" --v "1;0" --json | sed 's/}$/,"do":[[1]]}/' | attn grad --q 1 --k "1;0" --v "1;0" --input - --json
{"d_k":1,"scale":1.0,"scores":[[1.0,0.0]],"weights":[[0.7310585786300049,0.2689414213699951]],"output":[[0.7310585786300049]],"do":[[1.0]],"dv":[[0.7310585786300049],[0.2689414213699951]],"dalpha":[[1.0,0.0]],"dbeta":[[0.19661193324148185,-0.19661193324148185]],"dq":[[0.19661193324148185]],"dk":[[0.19661193324148185],[-0.19661193324148185]]}
? 0

$ echo '{"q": [1], "k": [[1],[0]], "v": [[1],[0]], "weights": [[0.5, 0.5]], "do": [[1]]}' | attn grad --input -
! attn: error: the document's "weights" is not what its q, k and v give
! hint: the forward output must come from the same inputs: run attn attend --json again
? 65

Bad input: dO must have o's shape and be finite; a loss or dO, not both; a target with o's shape.
$ attn grad --q 1 --k "1;0" --v "1;0" --do "1,2"
! attn: error: dO is 1×2 but the output o is 1×1
! hint: dO = ∂L/∂o has o's shape: one row per query, one column per value dimension
? 65

$ attn grad --q 1 --k "1;0" --v "1;0" --do nan
! attn: error: --do[0] is nan: inputs must be finite numbers
? 65

$ attn grad --q 1 --k "1;0" --v "1;0"
! attn: error: no upstream gradient given
! hint: give --do MATRIX (∂L/∂o), or --loss sum, or --loss mse --target T
? 2

$ attn grad --q 1 --k "1;0" --v "1;0" --do 1 --loss sum
! attn: error: give either dO or a loss, not both
! hint: --do gives ∂L/∂o directly; --loss derives it from the output
? 2

$ attn grad --q 1 --k "1;0" --v "1;0" --loss mse --target "1,2"
! attn: error: the target is 1×2 but the output o is 1×1
! hint: --target needs one row per query and one column per value dimension
? 65

$ attn grad --q 1 --k "1;0" --v "1;0" --loss mse
! attn: error: --loss mse needs a target
! hint: give --target T with o's shape
? 2

$ attn grad --q 1 --k "1;0" --v "1;0" --loss sum --explain dq:3,0
! attn: error: --explain dq:3,0: the cell is outside the 1×1 dq
! hint: rows run from 0 to 0 and columns from 0 to 0
? 2

$ attn grad --q 1 --k "1;0" --v "1;0" --loss sum --format latex
! attn: error: attn grad writes text or JSON, not --format markdown, latex or csv
! hint: drop --format, or give --json
? 2

--html writes a web page of the backward pass, laid out as the forward pages: each step back
(dO, dV, dα, dβ, dq, dk) as a heatmap, every cell of dq, dk and dv carrying the text
--explain dq:I,J (dk:J,T, dv:J,C) prints, nothing loaded from anywhere; with -q it is all the
command writes.
$ attn grad --q 1 --k "1;0" --v "1;0" --loss sum --html /tmp/attn-grad-page.html -q && head -2 /tmp/attn-grad-page.html && grep -c 'Cell dv\[1,0\]: value 1' /tmp/attn-grad-page.html && grep -c 'data-story="dq"' /tmp/attn-grad-page.html && grep -oiE 'https?:|<link|<script src' /tmp/attn-grad-page.html | wc -l
<!DOCTYPE html>
<html lang="en">
1
1
0
? 0

--tokens names the page's rows and columns, so it needs --html; a page that cannot be created
is exit 73.
$ attn grad --q 1 --k "1;0" --v "1;0" --loss sum --tokens a
! attn: error: --tokens names the page's rows
! hint: add --html FILE
? 2

$ attn grad --q 1 --k "1;0" --v "1;0" --loss sum --html /nonexistent-dir/g.html
! attn: error: cannot create '/nonexistent-dir/g.html': No such file or directory
! hint: check that the directory exists and that you may write to it
? 73
