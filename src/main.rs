fn main() {
    std::process::exit(chartroom::cli::main());
}
