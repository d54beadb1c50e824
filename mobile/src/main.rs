fn main() {
    println!("minqing: the phone app is not built yet");
}
