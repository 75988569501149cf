// Each command registers itself on the top-level app; its callback only delegates to its run_x.
#pragma once

#include <CLI/CLI.hpp>

namespace attn::cli {

void setup_score(CLI::App& app);
void setup_weights(CLI::App& app);
void setup_attend(CLI::App& app);
void setup_grad(CLI::App& app);  // grad_cmd.cpp
void setup_demo(CLI::App& app);
void setup_mask(CLI::App& app);        // mask_cmd.cpp
void setup_bias(CLI::App& app);        // bias_cmd.cpp
void setup_quiz(CLI::App& app);        // quiz_cmd.cpp
void setup_check(CLI::App& app);       // check_cmd.cpp
void setup_explain(CLI::App& app);     // explain_cmd.cpp
void setup_completion(CLI::App& app);  // completion.cpp
void setup_help(CLI::App& app);        // help_cmd.cpp
void setup_compare(CLI::App& app);     // compare_cmd.cpp

}  // namespace attn::cli
