The order of softcap and bias. q = 2, k = [2; 0], d_k = 1, so c·s = [4, 0]; b = [0, 3], C = 1.

bias-first, attn's default: β = C·tanh((c·s + b)/C) = [tanh 4, tanh 3] = [0.99933, 0.99505], so
α₀ = 1/(1 + e^(tanh 3 − tanh 4)) = 1/(1 + e^−0.0042745) = 0.50107 and o = α₀·1 + α₁·0 = 0.50107.

$ attn attend --q 2 --k "2;0" --v "1;0" --bias "[[0,3]]" --softcap 1 --json
{"d_k":1,"scale":1.0,"scores":[[0.999329299739067,0.9950547536867305]],"weights":[[0.5010686348859328,0.4989313651140673]],"output":[[0.5010686348859328]]}
? 0

cap-first, flash-attn's order: β = C·tanh(c·s/C) + b = [tanh 4 + 0, tanh 0 + 3] = [0.99933, 3], so
α₀ = 1/(1 + e^(3 − tanh 4)) = 1/(1 + e^2.00067) = 1/8.39401 = 0.11913.

$ attn attend --q 2 --k "2;0" --v "1;0" --bias "[[0,3]]" --softcap 1 --softcap-order cap-first --json
{"d_k":1,"scale":1.0,"scores":[[0.999329299739067,3.0]],"weights":[[0.11913252078015667,0.8808674792198433]],"output":[[0.11913252078015667]]}
? 0

The steps come in the order they ran: the cap, then the bias (capped + b).

$ attn score --q 2 --k "2;0" --bias "[[0,3]]" --softcap 1 --softcap-order cap-first | sed -n 18,23p
Step 3. Softcap, β ← C·tanh(β/C) with C = 1
  capped = [0.9993, 0]

Step 4. Add the positional bias, β = capped + b
  b = [0, 3]
  capped + b = [0.9993, 3]
? 0

The input document's "softcap_order", and a flag that overrides it.

$ echo '{"q":[[2]],"k":[[2],[0]],"v":[[1],[0]],"bias":[[0,3]],"softcap":1,"softcap_order":"cap-first"}' | attn attend --input - --json
{"d_k":1,"scale":1.0,"scores":[[0.999329299739067,3.0]],"weights":[[0.11913252078015667,0.8808674792198433]],"output":[[0.11913252078015667]]}
? 0

$ echo '{"q":[[2]],"k":[[2],[0]],"v":[[1],[0]],"bias":[[0,3]],"softcap":1,"softcap_order":"cap-first"}' | attn attend --input - --softcap-order bias-first --json
{"d_k":1,"scale":1.0,"scores":[[0.999329299739067,0.9950547536867305]],"weights":[[0.5010686348859328,0.4989313651140673]],"output":[[0.5010686348859328]]}
? 0

Errors.

$ attn attend --q 2 --k "2;0" --v "1;0" --bias "[[0,3]]" --softcap 1 --softcap-order cap-frist
! attn: error: --softcap-order: expected bias-first or cap-first, got 'cap-frist'
! hint: did you mean 'cap-first'?
? 2

$ attn attend --q 2 --k "2;0" --v "1;0" --softcap-order cap-first
! attn: error: --softcap-order needs a softcap
! hint: give --softcap C too
? 2

$ echo '{"q":[[2]],"k":[[2],[0]],"softcap":1,"softcap_order":true}' | attn score --input -
! attn: error: input.softcap_order must be a string, not true
! hint: write "softcap_order": "cap-first" or "bias-first"
? 65

$ echo '{"q":[[2]],"k":[[2],[0]],"softcap":1,"softcap_order":"last"}' | attn score --input -
! attn: error: input.softcap_order: expected bias-first or cap-first, got 'last'
! hint: bias-first caps c·s + b (the default); cap-first caps c·s and adds b after, as flash-attn does
? 65

$ attn attend --q q.npy --k k.npy --v v.npy --output o.npy --softcap-order cap-first
! attn: error: --softcap-order is for literals; with tensor files the softcap comes after the bias, C·tanh((c·s + b)/C)
? 2
