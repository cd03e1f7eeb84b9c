// MqttPublisher (mqtt_client.h) on Paho.
#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>

#include <thread>
#include <utility>

#include "ingest/mqtt_client.h"
#include "ingest/mqtt_paho.h"

namespace vdpark {

using mqtt_detail::CheckReadable;
using mqtt_detail::ConnectSettings;
using mqtt_detail::ExceptionStatus;
using mqtt_detail::MakeClient;
using mqtt_detail::MakeConnectOptions;
using mqtt_detail::milliseconds;
using mqtt_detail::Ms;
using mqtt_detail::PahoStatus;
using mqtt_detail::seconds;
using mqtt_detail::steady_clock;
using mqtt_detail::t_in_handler;

MqttPublisher::MqttPublisher(const MqttOptions& broker, MqttPublisherOptions options)
    : broker_(broker), options_(std::move(options)) {}

Result<std::unique_ptr<MqttPublisher>> MqttPublisher::Connect(const MqttOptions& broker,
                                                              MqttPublisherOptions options) {
  std::unique_ptr<MqttPublisher> p(new MqttPublisher(broker, std::move(options)));
  VDPARK_RETURN_IF_ERROR(p->Begin());
  return p;
}

Status MqttPublisher::Begin() {
  const std::string& where = broker_.display;
  if (options_.max_in_flight < 1) return Status::InvalidArgument(where + ": max_in_flight < 1");
  VDPARK_RETURN_IF_ERROR(CheckReadable(broker_));
  std::string id = broker_.client_id.empty() ? options_.client_id : broker_.client_id;
  if (id.empty()) {
    static std::atomic<int> counter{0};
    id = "vdpark-pub-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  }
  mqtt::token_ptr first;
  try {
    client_ = MakeClient(broker_, id, options_.max_in_flight + 64);
    client_->set_connected_handler([this](const std::string&) {
      if (connects_++ > 0) reconnects_++;
      {
        std::lock_guard l(mu_);
        connected_ = true;
      }
      cv_.notify_all();
    });
    client_->set_connection_lost_handler([this](const std::string& cause) {
      {
        std::lock_guard l(mu_);
        connected_ = false;
        last_error_ = Status::Unavailable(broker_.display + ": connection lost" +
                                          (cause.empty() ? "" : ": " + cause));
      }
      cv_.notify_all();
    });
    ConnectSettings cs;
    cs.keep_alive = options_.keep_alive;
    cs.connect_timeout = options_.connect_timeout;
    cs.min_reconnect_delay = options_.min_reconnect_delay;
    cs.max_reconnect_delay = options_.max_reconnect_delay;
    // Room for PublishAsync's window and a few Publish calls beside it.
    cs.max_inflight = options_.max_in_flight + 64;
    first = client_->connect(MakeConnectOptions(broker_, cs));
    if (!first->wait_for(options_.connect_timeout + seconds(1))) {
      return Status::Unavailable(where + ": no connection within " +
                                 std::to_string(options_.connect_timeout.count()) + " s");
    }
  } catch (const std::exception& e) {
    return ExceptionStatus(where + ": connecting", e);
  }
  return Status::OK();
}

MqttPublisher::~MqttPublisher() {
  if (client_ == nullptr) return;
  if (!t_in_handler) (void)Flush(options_.ack_timeout);
  try {
    client_->disconnect(1000)->wait_for(seconds(2));
  } catch (const std::exception&) {
    // Already disconnected: nothing to end.
  }
  client_.reset();
}

Status MqttPublisher::Failure(std::string_view what, const std::exception& e) const {
  return ExceptionStatus(broker_.display + ": " + std::string(what), e);
}

Status MqttPublisher::Publish(std::string_view topic, std::string_view payload, int qos) {
  if (qos < 0 || qos > 2) return Status::InvalidArgument("MQTT QoS " + std::to_string(qos));
  if (qos > 0 && t_in_handler) {
    return Status::InvalidArgument(
        "MqttPublisher::Publish at QoS " + std::to_string(qos) +
        " inside a message handler would wait for a PUBACK Paho cannot read there: use "
        "PublishAsync");
  }
  std::string where = "publishing to '" + std::string(topic) + "'";
  try {
    auto tok = client_->publish(std::string(topic), payload.data(), payload.size(), qos, false);
    if (t_in_handler) return Status::OK();  // QoS 0: sent when the handler returns
    if (!tok->wait_for(options_.ack_timeout)) {
      return Status::Unavailable(broker_.display + ": " + where + ": no acknowledgement within " +
                                 Ms(options_.ack_timeout));
    }
    if (tok->get_reason_code() >= 0x80) {
      return PahoStatus(broker_.display + ": " + where, 0, tok->get_reason_code(), "refused");
    }
  } catch (const std::exception& e) {
    return Failure(where, e);
  }
  published_++;
  return Status::OK();
}

// Takes the acknowledged publishes off the front of the window; with `wait_oldest`, first waits
// (until `deadline`) for the oldest one. Never holds async_mu_ while waiting or calling Paho.
Status MqttPublisher::Reap(bool wait_oldest, steady_clock::time_point deadline) {
  if (wait_oldest) {
    std::shared_ptr<mqtt::delivery_token> oldest;
    {
      std::lock_guard l(async_mu_);
      if (!in_flight_.empty()) oldest = in_flight_.front();
    }
    if (oldest != nullptr) {
      try {
        if (!oldest->wait_until(deadline)) {
          return Status::Unavailable(broker_.display + ": no acknowledgement in time (" +
                                     std::to_string(InFlight()) + " publishes in flight)");
        }
      } catch (const std::exception&) {
        // A failed publish: recorded below.
      }
    }
  }
  std::lock_guard l(async_mu_);
  while (!in_flight_.empty() && in_flight_.front()->is_complete()) {
    auto tok = std::move(in_flight_.front());
    in_flight_.pop_front();
    Status s;
    try {
      tok->try_wait();  // throws the failure
      if (tok->get_reason_code() >= 0x80) {
        s = PahoStatus(broker_.display + ": publishing", 0, tok->get_reason_code(), "refused");
      }
    } catch (const std::exception& e) {
      s = Failure("publishing", e);
    }
    if (s.ok()) {
      published_++;
    } else if (async_error_.ok()) {
      async_error_ = s;
    }
  }
  return Status::OK();
}

Status MqttPublisher::PublishAsync(std::string_view topic, std::string_view payload, int qos) {
  if (qos < 0 || qos > 2) return Status::InvalidArgument("MQTT QoS " + std::to_string(qos));
  const auto deadline = steady_clock::now() + options_.ack_timeout;
  for (;;) {
    VDPARK_RETURN_IF_ERROR(Reap(false, deadline));
    if (InFlight() < static_cast<size_t>(options_.max_in_flight)) break;
    if (t_in_handler) {
      return Status::Throttled(broker_.display + ": " + std::to_string(options_.max_in_flight) +
                               " publishes in flight; a message handler cannot wait for them");
    }
    VDPARK_RETURN_IF_ERROR(Reap(true, deadline));
  }
  try {
    auto tok = client_->publish(std::string(topic), payload.data(), payload.size(), qos, false);
    std::lock_guard l(async_mu_);
    in_flight_.push_back(std::move(tok));
  } catch (const std::exception& e) {
    return Failure("publishing to '" + std::string(topic) + "'", e);
  }
  return Status::OK();
}

Status MqttPublisher::Flush(milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  for (;;) {
    VDPARK_RETURN_IF_ERROR(Reap(false, deadline));
    if (InFlight() == 0) break;
    if (t_in_handler) {
      return Status::InvalidArgument(
          "MqttPublisher::Flush inside a message handler would wait "
          "for acknowledgements Paho cannot read there");
    }
    VDPARK_RETURN_IF_ERROR(Reap(true, deadline));
  }
  std::lock_guard l(async_mu_);
  return std::exchange(async_error_, Status::OK());
}

size_t MqttPublisher::InFlight() const {
  std::lock_guard l(async_mu_);
  return in_flight_.size();
}

bool MqttPublisher::Connected() const {
  std::lock_guard l(mu_);
  return connected_;
}

Status MqttPublisher::WaitConnected(milliseconds timeout) {
  std::unique_lock l(mu_);
  if (cv_.wait_for(l, timeout, [&] { return connected_; })) return Status::OK();
  if (!last_error_.ok()) return last_error_;
  return Status::Unavailable(broker_.display + ": not connected within " + Ms(timeout));
}

}  // namespace vdpark
