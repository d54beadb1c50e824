fn main() {
    println!("minqing: the phone app's UI is being built");
}
