// The commands about the person's own key: making one, backing it up on a stick or
// on paper, restoring it, changing its passphrase, and continuing its chain.
#pragma once

#include <string>

#include "wallet-cli/wallet.h"

namespace lovebank::wallet {

int KeyNew(Wallet& w);
// --out FILE: a copy of the sealed keystore; paper: also the line and QR to print.
int KeyBackup(Wallet& w, const std::string& out, bool paper);
// FROM: a backup file, or the line of a paper backup.
int KeyRestore(Wallet& w, const std::string& from);
// new_file: where the new passphrase is, for scripts; empty: typed twice.
int KeyPassphrase(Wallet& w, const std::string& new_file);
int KeyShow(Wallet& w);
int KeyResync(Wallet& w);

// The signing agent (wallet-cli/agent.h): asks for the passphrase once, then signs
// this key's entries for `duration` ("90s", "15m", "2h"; at most 12 h).
int AgentStart(Wallet& w, const std::string& duration);
int AgentStatus(Wallet& w);
int AgentStop(Wallet& w);

}  // namespace lovebank::wallet
