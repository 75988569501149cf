attn explain steps: the pipeline in order, with formulas and shapes (the same order as run_attention).

$ attn explain steps
The attention pipeline, in the order attn computes it:

1. dot      s_ij = q_i · k_j
            shape (n_q, d_k) x (n_k, d_k)ᵀ -> (n_q, n_k)
            why: how well key j matches query i: large when the two vectors point the same way

2. scale    c · s_ij, c = 1/√d_k
            shape (n_q, n_k)
            why: q·k has variance d_k for unit-variance entries; dividing by √d_k brings it back to 1, so softmax does not saturate and its gradient does not vanish (attn explain scaling)

3. bias     + b_ij (optional)
            shape (n_q, n_k)
            why: position: ALiBi, T5 or relative-position biases make nearby keys score higher, since the dot product alone ignores where a key sits

4. softcap  C · tanh(· / C) (optional)
            shape (n_q, n_k)
            why: keeps scores within ±C (Gemma 2) so that no single score can dominate without bound

5. mask     β_ij = … + M_ij, M_ij ∈ {0, −∞}
            shape (n_q, n_k)
            why: blocks keys a query must not see (the future, padding): −∞ becomes weight exactly 0

6. softmax  α_ij = exp(β_ij − m_i) / Σ_j exp(β_ij − m_i)
            shape (n_q, n_k)
            why: turns each row of scores into positive weights that sum to 1; subtracting the row max m_i keeps exp from overflowing and does not change α

7. output   o_i = Σ_j α_ij v_j
            shape (n_q, n_k) x (n_k, d_v) -> (n_q, d_v)
            why: each query receives a blend of the values, mixed in proportion to its weights
? 0

attn explain scaling: the numbers are random (checked against d_k and 1 by tests/unit/explain_test.cpp);
here only the table's frame and the JSON's keys.

$ attn explain scaling --dk 4,16 --trials 100 | sed -n '1,4p;7p'
Why scores are divided by √d_k: 100 trials of one query and 16 keys, entries ~ N(0, 1), seed 1.

  d_k Var(q·k) Var(q·k/√d_k)    max α  max α  entropy entropy      ‖J‖    ‖J‖
                             unscaled scaled unscaled  scaled unscaled scaled

? 0

The gradient table's frame (its numbers are recomputed by an independent backward in
tests/unit/teach/explain_test.cpp):

$ attn explain scaling --dk 4,16 --trials 100 | grep -A2 -E '^ +d_k +‖dq‖'
  d_k     ‖dq‖   ‖dq‖     ‖dq‖    ‖dq‖     ‖dk‖   ‖dk‖     ‖dk‖    ‖dk‖
          mean   mean  typical typical     mean   mean  typical typical
      unscaled scaled unscaled  scaled unscaled scaled unscaled  scaled
? 0

$ attn explain scaling --dk 4 --trials 10 --json | grep -o '"[a-z_]*":' | tr -d '\n'; echo
"keys":"trials":"seed":"backward":"values":"d_out":"seed":"rows":"d_k":"var_dot":"var_scaled":"unscaled":"max_weight":"entropy":"jacobian_norm":"dq_norm":"dk_norm":"dq_norm_geomean":"dk_norm_geomean":"scaled":"max_weight":"entropy":"jacobian_norm":"dq_norm":"dk_norm":"dq_norm_geomean":"dk_norm_geomean":
? 0

$ attn explain
! attn: error: attn explain needs a command: scaling, steps or rope
! hint: e.g. attn explain steps
? 2

$ attn explain scaling --n 1
! attn: error: --n must be from 2 to 65536, not 1
! hint: run 'attn explain scaling --help'
? 2

$ attn explain scaling --dk 4,0
! attn: error: --dk: item 2 must be from 1 to 1048576, not 0
? 2

$ attn explain scaling --dk 100000 --trials 100000
! attn: error: --dk 100000 with --n 16 and --trials 100000 would draw more than 10^9 numbers
! hint: lower --trials or --n
? 2
