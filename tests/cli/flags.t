A flag with nothing to do where it is given is refused by name (exit 2), as are two that contradict
each other: attn never ignores a word.

$ attn score --q 1 --k 1 --json --format latex
! {"error":{"code":2,"message":"--json and --format latex contradict each other","hint":"--json is --format json: give one format"}}
? 2

$ attn score --q 1 --k 1 --standalone
! attn: error: --standalone has no effect without --format latex
! hint: it makes the LaTeX a whole document
? 2

$ attn score --q 1 --k 1 --json --digits 3
! {"error":{"code":2,"message":"--digits has no effect with JSON output, which has every digit","hint":"drop --digits"}}
? 2

$ attn score --q 1 --k 1 --format csv --color always
! attn: error: --color has no effect with csv output, which is never coloured
! hint: drop --color
? 2

$ attn weights --scores 0,0 --ascii
! attn: error: --ascii has no effect without --heatmap
! hint: drop --ascii
? 2

$ attn weights --scores 0,0 --numbers
! attn: error: --numbers has no effect without --heatmap or --svg
! hint: drop --numbers
? 2

$ attn weights --scores 0,0 --tokens a,b
! attn: error: --tokens has no effect without --heatmap, --svg, --html or --format markdown|latex|csv
! hint: the tokens label a picture's rows and columns
? 2

$ attn weights --scores 0,0 --heatmap --json
! {"error":{"code":2,"message":"--heatmap and --json contradict each other","hint":"--heatmap draws the matrix instead of printing it: give one"}}
? 2

$ attn attend --q 1,0 --k "1,0;0,1" --v "1,2;3,4" --explain 0,1 --json
! {"error":{"code":2,"message":"--explain and --json contradict each other","hint":"--explain prints one cell's terms instead: give one"}}
? 2

$ attn weights --scores 1,2 --softcap 1
! attn: error: --softcap needs q and k, not given scores
! hint: the softcap applies before the mask: cap the scores yourself
? 2

$ attn weights --scores 1,2 --scale 2
! attn: error: --scale applies to q and k, not given scores
! hint: the scores are already scaled: drop the flag, or give --q and --k
? 2

$ attn score --q 1,2 --k 1,2 --head 1
! attn: error: --head has no effect with a single head
! hint: give --heads H as well (or "heads" in the document), or drop --head
? 2

$ attn score --q 1,2 --k 1,2 --bias alibi --bias-table '[1,2]'
! attn: error: --bias-table has no effect without --bias t5
! hint: the table gives the t5 bias its value per bucket
? 2

The tensor flags apply to tensor files, and the literals' own flags do not.
$ attn attend --q 1 --k 1 --v 1 --dtype f32
! attn: error: --dtype works with tensor files (.npy, .npz, .safetensors)
! hint: save q, k and v with np.save and give --q q.npy --k k.npy --v v.npy
? 2

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --heads 2
! attn: error: --heads splits literal columns into heads; tensor files carry their heads in their shape (B, H, S, D)
? 2

$ attn attend --q tests/data/tensor/q.npy --k tests/data/tensor/k.npy --v tests/data/tensor/v.npy --json --digits 2
! {"error":{"code":2,"message":"--digits has no effect with JSON output, which has every digit","hint":"drop --digits"}}
? 2

attn mask: --style shapes the printed matrix only.
$ attn mask causal --n 3 --json --style bool
! {"error":{"code":2,"message":"--style has no effect with --json, which writes the mask as true and false","hint":"drop --style"}}
? 2

$ attn mask causal --n 3 --explain 1,2 --style bool
! attn: error: --style has no effect with --explain, which prints one cell's reasons
! hint: drop --style
? 2

$ attn mask causal --n 3 --heatmap --as hf
! attn: error: --heatmap and --as contradict each other
! hint: --as prints the mask as text: give one
? 2

attn bias prints a table or JSON; it has no --format (it never had one that worked).
$ attn bias alibi --n 3 --json --digits 2
! {"error":{"code":2,"message":"--digits has no effect with --json, which has every digit","hint":"drop --digits"}}
? 2

$ attn bias alibi --n 3 --format latex
! attn: error: unknown option '--format' for attn bias
! hint: --format is an option of attn score, attn weights, attn attend, attn grad or attn quiz
? 2

$ attn explain scaling --json --digits 2
! {"error":{"code":2,"message":"--digits has no effect with --json, which has every digit","hint":"drop --digits"}}
? 2

What is meant still works: --json with --format json agrees, --tokens labels Markdown tables.
$ attn score --q 1 --k 1 --json --format json
{"d_k":1,"scale":1.0,"scores":[[1.0]]}
? 0
