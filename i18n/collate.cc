#include "i18n/collate.h"

#include <unicode/coll.h>
#include <unicode/locid.h>
#include <unicode/stringpiece.h>

#include <memory>

namespace lovebank::i18n {
namespace {

// One collator per thread: ICU's Collator is not safe to share between threads.
const icu::Collator* Chinese() {
  thread_local std::unique_ptr<icu::Collator> collator = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Collator> c(icu::Collator::createInstance(icu::Locale("zh"), status));
    if (U_FAILURE(status)) c.reset();
    return c;
  }();
  return collator.get();
}

}  // namespace

bool NameLess(std::string_view a, std::string_view b) {
  if (const icu::Collator* c = Chinese()) {
    UErrorCode status = U_ZERO_ERROR;
    UCollationResult r =
        c->compareUTF8(icu::StringPiece(a.data(), static_cast<std::int32_t>(a.size())),
                       icu::StringPiece(b.data(), static_cast<std::int32_t>(b.size())), status);
    if (U_SUCCESS(status) && r != UCOL_EQUAL) return r == UCOL_LESS;
  }
  return a < b;
}

}  // namespace lovebank::i18n
