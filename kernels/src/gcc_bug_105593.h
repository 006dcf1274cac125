// GCC 12 warns falsely that its own AVX-512 intrinsics read uninitialized values (GCC bug 105593).
// CK_GCC_105593_BEGIN/END silence that around the code that trips it; Clang has neither the bug nor the
// warning group, so for it they are empty.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#define CK_GCC_105593_BEGIN                                                                  \
  _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"") \
      _Pragma("GCC diagnostic ignored \"-Wuninitialized\"")
#define CK_GCC_105593_END _Pragma("GCC diagnostic pop")
#else
#define CK_GCC_105593_BEGIN
#define CK_GCC_105593_END
#endif
