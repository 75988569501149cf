Colour, formats and pictures through the real binary.

One colour policy: piped output is plain unless asked; --color always colours it; FORCE_COLOR
and CLICOLOR_FORCE force colour on a pipe; NO_COLOR wins over them; --color never wins over all.
β = (1·3 + 2·4)/√2 = 11/1.41421… = 7.7782 (4 decimals). the escape character is shown as ESC.
$ attn score --q 1,2 --k 3,4 | tail -1
β = 7.7782
? 0

$ attn score --q 1,2 --k 3,4 --color always | sed 's/\x1b/ESC/g' | tail -1
ESC[1;32mβ = 7.7782ESC[0m
? 0

$ FORCE_COLOR=1 attn score --q 1,2 --k 3,4 | sed 's/\x1b/ESC/g' | tail -1
ESC[1;32mβ = 7.7782ESC[0m
? 0

$ CLICOLOR_FORCE=1 attn score --q 1,2 --k 3,4 | sed 's/\x1b/ESC/g' | tail -1
ESC[1;32mβ = 7.7782ESC[0m
? 0

$ NO_COLOR=1 FORCE_COLOR=1 attn score --q 1,2 --k 3,4 | tail -1
β = 7.7782
? 0

$ FORCE_COLOR=1 attn score --q 1,2 --k 3,4 --color never | tail -1
β = 7.7782
? 0

A heatmap of α in ASCII. Row 0: β = [0, 0] → α = [½, ½], the middle of the ramp " .:-=+*#%@"
('+', index round(0.5·9) = 5 after rounding half up); row 1: β = [0, −∞] → α = [1, blocked]:
'@' (t = 1) and x for the blocked key.
$ attn weights --scores "0,0;0,-inf" --heatmap --ascii
rows: queries i; columns: keys j
  0  1
0 ++ ++
1 @@ x
0 |..::--==++**##%%@@| 1   x blocked (-inf)
weights, fixed scale 0 to 1
? 0

attend's heatmap shows the output o under α. q = 0 makes every score 0: row 0 sees key 0 alone
(α = [1, blocked]), row 1 both keys (α = [½, ½]); o = α·v with v = I is α itself, [1, 0] and
[½, ½], on the scale from its smallest value (0, blank) to its largest (1, '@').
$ attn attend --q "0,0;0,0" --k "1,0;0,1" --v "1,0;0,1" --mask causal --heatmap --ascii
weights
rows: queries i; columns: keys j
  0  1
0 @@ x
1 ++ ++
0 |..::--==++**##%%@@| 1   x blocked (-inf)
weights, fixed scale 0 to 1

output
rows: queries i; columns: entries c of o
  0  1
0 @@
1 ++ ++
0 |..::--==++**##%%@@| 1
smallest to largest value
? 0

CSV of the same weights (RFC 4180: CRLF line ends, removed here), full precision, rows labelled.
$ attn weights --scores "0,0;0,-inf" --format csv | tail -3 | tr -d "\r"
alpha,k0,k1
q0,0.5,0.5
q1,1,0
? 0

An SVG file: one <rect> per cell whose <title> holds the exact value (α = ½ each).
$ attn weights --scores 0,0 --svg /tmp/attn-pictures-test.svg > /dev/null && grep -c '<rect id="cell-' /tmp/attn-pictures-test.svg && grep -o '<title>0.5</title>' /tmp/attn-pictures-test.svg
2
<title>0.5</title>
<title>0.5</title>
? 0

With -q, --svg writes the picture and nothing else: no worked steps on stdout.
$ attn weights --scores 0,0 --svg /tmp/attn-pictures-quiet.svg -q && grep -c '<rect id="cell-' /tmp/attn-pictures-quiet.svg
2
? 0

An SVG that cannot be created: exit 73, and nothing left behind.
$ attn weights --scores 0,0 --svg /nonexistent-dir/x.svg
! attn: error: cannot create '/nonexistent-dir/x.svg': No such file or directory
! hint: check that the directory exists and that you may write to it
? 73

A mask as a picture, with tokens on both axes.
$ attn mask causal --n 3 --heatmap --tokens a,b,c
rows: queries i; columns: keys j
  a  b  c
a ██ ·  ·
b ██ ██ ·
c ██ ██ ██
██ may attend  · blocked (-inf)
? 0

--html writes one web page of the computation: the CSS and script inline, every cell's
derivation embedded (the text --explain prints, here for cell (1, 0)), nothing loaded from
anywhere. With -q it is all the command writes.
$ attn attend --q "0,0;0,0" --k "1,0;0,1" --v "1,0;0,1" --mask causal --html /tmp/attn-pictures-test.html -q && head -2 /tmp/attn-pictures-test.html && grep -c 'Cell (i = 1, j = 0): query 1 against key 0' /tmp/attn-pictures-test.html && grep -oiE 'https?:|<link|<script src' /tmp/attn-pictures-test.html | wc -l
<!DOCTYPE html>
<html lang="en">
1
0
? 0

With --explain the page is written too, beside the cell's explanation.
$ attn mask causal --n 3 --explain 0,1 --html /tmp/attn-pictures-mask.html && grep -c 'blocked by causal' /tmp/attn-pictures-mask.html
blocked by causal: j = 1 > p = 0
verdict: blocked (row i = 0 at position p = 0, key j = 1, mask causal)
1
? 0

A page that cannot be created: exit 73, and nothing left behind.
$ attn mask causal --n 3 --html /nonexistent-dir/x.html
! attn: error: cannot create '/nonexistent-dir/x.html': No such file or directory
! hint: check that the directory exists and that you may write to it
? 73

On .npy tensors the page shows one slice (batch 1, head 1 unless --batch and --head say).
$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --html /tmp/attn-pictures-tensor.html -q && head -1 /tmp/attn-pictures-tensor.html && grep -c 'Cell (i = 1, j = 0): query 1 against key 0' /tmp/attn-pictures-tensor.html
<!DOCTYPE html>
1
? 0
