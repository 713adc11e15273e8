// Command loop of the CUDA host emulator (included at the end of the generated translation unit, after the kernels
// and the ENTRIES table). One command per stdin line, one reply line each ("ok", data, or "err <message>"):
//   A id bytes            allocate zeroed device memory       F id                  free
//   M id off bits count   memset 32-bit words                 C did doff sid soff bytes   device copy
//   W id off n w1..wn     write n 32-bit words (hex)          R id off n            read n words (reply: hex words)
//   L mode key gx gy bx n a1..an   launch kernel key ("<module hash>/<name>"); args: iDEC lDEC fHEX pID:OFF;
//                         mode S runs the threads one after another (kernels without __syncthreads), mode T runs
//                         blockDim.x std::threads with a barrier
// Every buffer is its own heap block, so AddressSanitizer (the build uses it when available) reports any
// out-of-bounds access by a kernel.
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

thread_local uint3 threadIdx;
thread_local uint3 blockIdx;
uint3 blockDim;
uint3 gridDim;
std::barrier<>* snn_emu_barrier;
int snn_emu_ulp = 0;

namespace snn_emu {

struct Arg {
    char type;
    long long v;
    char* p;
};

template <typename T>
T convert(const Arg& a) {
    if constexpr (std::is_pointer_v<T>) {
        return reinterpret_cast<T>(a.p);
    } else if constexpr (std::is_same_v<T, float>) {
        float f;
        unsigned int bits = (unsigned int) a.v;
        std::memcpy(&f, &bits, sizeof f);
        return f;
    } else {
        return (T) a.v;
    }
}

template <typename... A, std::size_t... I>
void call(void (*f)(A...), const std::vector<Arg>& args, std::index_sequence<I...>) {
    f(convert<A>(args[I])...);
}

template <typename... A>
void call(void (*f)(A...), const std::vector<Arg>& args) {
    if (args.size() != sizeof...(A)) {
        throw std::runtime_error("kernel takes " + std::to_string(sizeof...(A)) + " arguments, got "
                                 + std::to_string(args.size()));
    }
    call(f, args, std::index_sequence_for<A...>{});
}

// A persistent pool of worker threads for threaded (mode T) launches: creating blockDim.x threads per launch
// costs far more than the kernels themselves (more so under AddressSanitizer).
class Pool {
  public:
    void run(long long bx, long long gx, long long gy, void (*f)(const std::vector<Arg>&), const std::vector<Arg>& args) {
        if (bx != (long long) workers_.size()) {
            resize(bx);
        }
        gx_ = gx;
        gy_ = gy;
        f_ = f;
        args_ = &args;
        std::barrier<> kernelBarrier((std::ptrdiff_t) bx);
        snn_emu_barrier = &kernelBarrier;
        error_.clear();
        start_->arrive_and_wait();
        end_->arrive_and_wait();
        snn_emu_barrier = nullptr;
        if (!error_.empty()) {
            throw std::runtime_error(error_);
        }
    }

    ~Pool() {
        resize(0);
    }

  private:
    void resize(long long n) {
        if (!workers_.empty()) {
            quit_ = true;
            start_->arrive_and_wait();
            for (auto& w : workers_) w.join();
            workers_.clear();
            quit_ = false;
        }
        if (n == 0) {
            return;
        }
        start_ = std::make_unique<std::barrier<>>((std::ptrdiff_t) n + 1);
        end_ = std::make_unique<std::barrier<>>((std::ptrdiff_t) n + 1);
        for (long long t = 0; t < n; t++) {
            workers_.emplace_back([this, t] {
                threadIdx = {(unsigned) t, 0, 0};
                while (true) {
                    start_->arrive_and_wait();
                    if (quit_) {
                        return;
                    }
                    try {
                        for (long long y = 0; y < gy_; y++) {
                            for (long long x = 0; x < gx_; x++) {
                                blockIdx = {(unsigned) x, (unsigned) y, 0};
                                f_(*args_);
                                snn_emu_barrier->arrive_and_wait();   // the next block starts when this one is done
                            }
                        }
                    } catch (const std::exception& e) {
                        std::lock_guard<std::mutex> g(mu_);
                        error_ = e.what();   // (a throwing kernel thread would leave the barrier short: fatal)
                    }
                    end_->arrive_and_wait();
                }
            });
        }
    }

    std::vector<std::thread> workers_;
    std::unique_ptr<std::barrier<>> start_, end_;
    std::mutex mu_;
    std::string error_;
    bool quit_ = false;
    long long gx_ = 0, gy_ = 0;
    void (*f_)(const std::vector<Arg>&) = nullptr;
    const std::vector<Arg>* args_ = nullptr;
};

inline Pool& pool() {
    static Pool p;
    return p;
}

struct Entry {
    const char* key;
    void (*invoke)(const std::vector<Arg>&);
};

}  // namespace snn_emu

#define SNN_EMU_ENTRY(key, fn) {key, [](const std::vector<snn_emu::Arg>& a) { snn_emu::call(fn, a); }}

extern const snn_emu::Entry SNN_EMU_ENTRIES[];
extern const int SNN_EMU_ENTRY_COUNT;

int main() {
    if (const char* u = std::getenv("SNN_EMU_ULP")) {
        snn_emu_ulp = std::atoi(u);
    }
    std::ios::sync_with_stdio(false);
    std::map<long long, std::vector<char>> bufs;
    std::map<std::string, void (*)(const std::vector<snn_emu::Arg>&)> kernels;
    for (int i = 0; i < SNN_EMU_ENTRY_COUNT; i++) {
        kernels[SNN_EMU_ENTRIES[i].key] = SNN_EMU_ENTRIES[i].invoke;
    }
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string cmd;
        in >> cmd;
        try {
            if (cmd == "A") {
                long long id, bytes;
                in >> id >> bytes;
                bufs[id] = std::vector<char>((size_t) bytes, 0);
                std::cout << "ok\n";
            } else if (cmd == "F") {
                long long id;
                in >> id;
                bufs.erase(id);
                std::cout << "ok\n";
            } else if (cmd == "M") {
                long long id, off, count;
                std::string bits;
                in >> id >> off >> bits >> count;
                unsigned int b = (unsigned int) std::stoul(bits, nullptr, 16);
                auto& v = bufs.at(id);
                if (off < 0 || off + 4 * count > (long long) v.size()) throw std::runtime_error("memset out of range");
                for (long long i = 0; i < count; i++) std::memcpy(v.data() + off + 4 * i, &b, 4);
                std::cout << "ok\n";
            } else if (cmd == "C") {
                long long d, doff, s, soff, bytes;
                in >> d >> doff >> s >> soff >> bytes;
                auto& dv = bufs.at(d);
                auto& sv = bufs.at(s);
                if (doff < 0 || soff < 0 || doff + bytes > (long long) dv.size() || soff + bytes > (long long) sv.size())
                    throw std::runtime_error("copy out of range");
                std::memmove(dv.data() + doff, sv.data() + soff, (size_t) bytes);
                std::cout << "ok\n";
            } else if (cmd == "W") {
                long long id, off, n;
                in >> id >> off >> n;
                auto& v = bufs.at(id);
                if (off < 0 || off + 4 * n > (long long) v.size()) throw std::runtime_error("write out of range");
                std::string w;
                for (long long i = 0; i < n; i++) {
                    in >> w;
                    unsigned int b = (unsigned int) std::stoul(w, nullptr, 16);
                    std::memcpy(v.data() + off + 4 * i, &b, 4);
                }
                std::cout << "ok\n";
            } else if (cmd == "R") {
                long long id, off, n;
                in >> id >> off >> n;
                auto& v = bufs.at(id);
                if (off < 0 || off + 4 * n > (long long) v.size()) throw std::runtime_error("read out of range");
                std::string out;
                out.reserve((size_t) n * 9);
                char hex[16];
                for (long long i = 0; i < n; i++) {
                    unsigned int b;
                    std::memcpy(&b, v.data() + off + 4 * i, 4);
                    std::snprintf(hex, sizeof hex, i ? " %08x" : "%08x", b);
                    out += hex;
                }
                std::cout << out << "\n";
            } else if (cmd == "L") {
                std::string mode, key;
                long long gx, gy, bx, n;
                in >> mode >> key >> gx >> gy >> bx >> n;
                auto k = kernels.find(key);
                if (k == kernels.end()) throw std::runtime_error("no kernel " + key);
                std::vector<snn_emu::Arg> args;
                for (long long i = 0; i < n; i++) {
                    std::string a;
                    in >> a;
                    snn_emu::Arg arg{a[0], 0, nullptr};
                    if (a[0] == 'i' || a[0] == 'l') {
                        arg.v = std::stoll(a.substr(1));
                    } else if (a[0] == 'f') {
                        arg.v = (long long) std::stoul(a.substr(1), nullptr, 16);
                    } else if (a[0] == 'p') {
                        size_t colon = a.find(':');
                        long long id = std::stoll(a.substr(1, colon - 1)), off = std::stoll(a.substr(colon + 1));
                        auto& v = bufs.at(id);
                        arg.p = v.data() + off;
                    } else {
                        throw std::runtime_error("bad argument " + a);
                    }
                    args.push_back(arg);
                }
                gridDim = {(unsigned) gx, (unsigned) gy, 1};
                blockDim = {(unsigned) bx, 1, 1};
                if (mode == "S") {
                    snn_emu_barrier = nullptr;
                    for (long long y = 0; y < gy; y++) {
                        for (long long x = 0; x < gx; x++) {
                            blockIdx = {(unsigned) x, (unsigned) y, 0};
                            for (long long t = 0; t < bx; t++) {
                                threadIdx = {(unsigned) t, 0, 0};
                                k->second(args);
                            }
                        }
                    }
                    std::cout << "ok\n";
                    std::cout.flush();
                    continue;
                }
                snn_emu::pool().run(bx, gx, gy, k->second, args);
                std::cout << "ok\n";
            } else {
                throw std::runtime_error("unknown command " + cmd);
            }
        } catch (const std::exception& e) {
            std::cout << "err " << e.what() << "\n";
        }
        std::cout.flush();
    }
    return 0;
}
