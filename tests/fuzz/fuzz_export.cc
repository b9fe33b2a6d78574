// The export file an auditor is handed: framing read to the end, every entry that the
// reader yields within the size limit, and a count that matches when it finishes.
#include "ledger/export_file.h"
#include "tests/fuzz/fuzz.h"

using namespace lovebank;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto reader = ledger::ExportReader::FromBytes(Bytes(fuzz::View(data, size)));
  if (!reader) return 0;
  std::vector<Bytes> envelopes;
  for (;;) {
    auto got = (*reader)->Next(envelopes, 64);
    if (!got) break;
    if ((*reader)->done()) {
      fuzz::Require((*reader)->records() == envelopes.size(), "the count matches the entries");
      break;
    }
    if (*got == 0) break;
  }
  for (const auto& e : envelopes) {
    fuzz::Require(!e.empty() && e.size() <= ledger::kMaxEnvelopeBytes, "entries within bounds");
  }
  return 0;
}
