// ckctl's connection to ckd: sd-bus handles owned by RAII types, method calls that keep dispatching
// signals while they wait (Piece, LoadProgress), and D-Bus errors turned into ckctl exit statuses.
#pragma once

#include <systemd/sd-bus.h>

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bus_value.h"

namespace ck::ckctl {

inline constexpr const char* kManagerName = "org.ckernel.Manager1";
inline constexpr const char* kManagerPath = "/org/ckernel/Manager1";
inline constexpr const char* kManagerInterface = "org.ckernel.Manager1";
inline constexpr const char* kTenantInterface = "org.ckernel.Tenant1";
inline constexpr const char* kModelInterface = "org.ckernel.Model1";

// Which bus to use: an explicit address wins, then --user, else the system bus.
struct BusChoice {
  std::string address;
  bool user = false;
  std::string describe() const;
};

// A received message (reply or signal), read front to back.
class Message {
 public:
  explicit Message(sd_bus_message* message);  // takes a new reference
  Message(Message&& other) noexcept : message_(std::exchange(other.message_, nullptr)) {}
  Message& operator=(Message&&) = delete;
  ~Message();

  std::string read_string();       // s
  std::string read_object_path();  // o
  uint64_t read_uint64();          // t
  BusValueMap read_dictionary();   // a{sv}
  // Walks an array of dict entries `{key value}`: `read_entry` is called positioned at each key.
  void for_each_entry(const char* entry_contents, const std::function<void(Message&)>& read_entry);

 private:
  BusValue read_variant();
  std::vector<std::string> read_string_array(char element_type);  // as or ao
  sd_bus_message* message_;
};

// A method call being assembled.
class MethodCall {
 public:
  MethodCall(sd_bus* bus, const char* path, const char* interface, const char* method);
  MethodCall(const MethodCall&) = delete;
  ~MethodCall();

  MethodCall& arg(std::string_view text);       // s
  MethodCall& arg(uint64_t number);             // t
  MethodCall& arg(const CallOptions& options);  // a{sv}
  sd_bus_message* get() const { return message_; }

 private:
  sd_bus_message* message_ = nullptr;
};

// A signal callback and where it reports an exception: sd-bus is C, so exceptions must not unwind
// through it; they are parked and rethrown once control is back in C++.
struct SignalHandler {
  std::function<void(Message&)> handle;
  std::exception_ptr* failure;
};

// Keeps a signal handler installed while it lives.
class SignalSubscription {
 public:
  SignalSubscription(sd_bus_slot* slot, std::unique_ptr<SignalHandler> handler)
      : slot_(slot), handler_(std::move(handler)) {}
  SignalSubscription(SignalSubscription&& other) noexcept
      : slot_(std::exchange(other.slot_, nullptr)), handler_(std::move(other.handler_)) {}
  SignalSubscription& operator=(SignalSubscription&&) = delete;
  ~SignalSubscription() { sd_bus_slot_unref(slot_); }

 private:
  sd_bus_slot* slot_;
  std::unique_ptr<SignalHandler> handler_;
};

class BusClient {
 public:
  // How long a call may take: management calls answer at once; loading and generating take as long
  // as the model needs, so ckctl waits until ckd answers or goes away.
  enum class Wait { with_timeout, until_done };

  // Connects on first use, so that commands check their arguments before anything touches the bus.
  explicit BusClient(BusChoice choice) : choice_(std::move(choice)) {}
  BusClient(const BusClient&) = delete;
  ~BusClient();

  MethodCall manager_call(const char* method);
  MethodCall call(const char* path, const char* interface, const char* method);
  // Sends, dispatches signals until the reply arrives, and returns it; D-Bus errors throw CommandError.
  Message invoke(const MethodCall& call, Wait wait = Wait::with_timeout);
  // Calls `handler` for every signal `member` of org.ckernel.Manager1 that reaches this client.
  SignalSubscription subscribe(const char* member, std::function<void(Message&)> handler);

 private:
  sd_bus* connection();  // throws ExitStatus::daemon_not_running when the bus is unreachable

  BusChoice choice_;
  sd_bus* bus_ = nullptr;
  std::exception_ptr handler_failure_;  // a signal handler threw: rethrown from invoke()
};

}  // namespace ck::ckctl
