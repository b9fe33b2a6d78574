// What a node's refusal means, said in the wallet's language when that is not the
// node's English: one sentence for each refusal code (ledger/refusal.h) with the next
// step. The node's own sentence, which names the entries and numbers involved, is
// kept beside it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lovebank::wallet {

// The sentence for `code` in the process's language; nullopt for English (the node's
// sentence says more) and for a code this wallet does not know.
std::optional<std::string> RefusalInWords(std::string_view code);

}  // namespace lovebank::wallet
