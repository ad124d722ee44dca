// WorkQueue: a fixed set of threads running queued jobs, for the ACME work
// that must not hold an HTTP thread (challenge validation, issuance, which
// waits for the sequencer's next commit).
#ifndef MTC_ACME_WORK_QUEUE_H_
#define MTC_ACME_WORK_QUEUE_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mtc::acme {

// Thread-safe. Jobs run in submission order on whichever thread is free.
class WorkQueue {
 public:
  // `threads` workers; at most `max_queued` jobs wait (Submit refuses more).
  WorkQueue(std::string name, int threads, size_t max_queued);
  // Calls Stop().
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // False when the queue is full or stopped: the caller answers "try later".
  bool Submit(std::function<void()> job);
  // Runs the jobs already queued, then joins the threads. Idempotent.
  void Stop();
  size_t queued() const;

 private:
  void Run();

  const std::string name_;
  const size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  bool stop_ = false;                       // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace mtc::acme

#endif  // MTC_ACME_WORK_QUEUE_H_
