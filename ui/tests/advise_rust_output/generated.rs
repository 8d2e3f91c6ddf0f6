// uringtop advise: least-privilege io_uring restrictions, from what was observed.
// Observed: the live probe, for 1.0 s.
// Only what was observed is allowed: an opcode, IOSQE flag or register call that the
// workload did not use while it was observed will be refused (-EACCES). Observe the
// workload's full range first (startup, every feature, error paths, shutdown).
//
// For the io-uring crate 0.7 (opcode types as of 0.7.16). Apply to a ring created
// disabled, before enabling it:
//   let mut ring: io_uring::IoUring =
//       io_uring::IoUring::builder().setup_r_disabled().build(entries)?;
//   ring.submitter().register_restrictions(&mut <function>())?;
//   ring.submitter().register_enable_rings()?;

/// every (pid 1), ring 1 (fd 3)
pub fn uringtop_every_1_ring1() -> Vec<io_uring::register::Restriction> {
    use io_uring::register::Restriction;
    vec![
        Restriction::sqe_op(io_uring::opcode::Nop::CODE),
        Restriction::sqe_op(io_uring::opcode::Readv::CODE),
        Restriction::sqe_op(io_uring::opcode::Writev::CODE),
        Restriction::sqe_op(io_uring::opcode::Fsync::CODE),
        Restriction::sqe_op(io_uring::opcode::ReadFixed::CODE),
        Restriction::sqe_op(io_uring::opcode::WriteFixed::CODE),
        Restriction::sqe_op(io_uring::opcode::PollAdd::CODE),
        Restriction::sqe_op(io_uring::opcode::PollRemove::CODE),
        Restriction::sqe_op(io_uring::opcode::SyncFileRange::CODE),
        Restriction::sqe_op(io_uring::opcode::SendMsg::CODE),
        Restriction::sqe_op(io_uring::opcode::RecvMsg::CODE),
        Restriction::sqe_op(io_uring::opcode::Timeout::CODE),
        Restriction::sqe_op(io_uring::opcode::TimeoutRemove::CODE),
        Restriction::sqe_op(io_uring::opcode::Accept::CODE),
        Restriction::sqe_op(io_uring::opcode::AsyncCancel::CODE),
        Restriction::sqe_op(io_uring::opcode::LinkTimeout::CODE),
        Restriction::sqe_op(io_uring::opcode::Connect::CODE),
        Restriction::sqe_op(io_uring::opcode::Fallocate::CODE),
        Restriction::sqe_op(io_uring::opcode::OpenAt::CODE),
        Restriction::sqe_op(io_uring::opcode::Close::CODE),
        Restriction::sqe_op(io_uring::opcode::FilesUpdate::CODE),
        Restriction::sqe_op(io_uring::opcode::Statx::CODE),
        Restriction::sqe_op(io_uring::opcode::Read::CODE),
        Restriction::sqe_op(io_uring::opcode::Write::CODE),
        Restriction::sqe_op(io_uring::opcode::Fadvise::CODE),
        Restriction::sqe_op(io_uring::opcode::Madvise::CODE),
        Restriction::sqe_op(io_uring::opcode::Send::CODE),
        Restriction::sqe_op(io_uring::opcode::Recv::CODE),
        Restriction::sqe_op(io_uring::opcode::OpenAt2::CODE),
        Restriction::sqe_op(io_uring::opcode::EpollCtl::CODE),
        Restriction::sqe_op(io_uring::opcode::Splice::CODE),
        Restriction::sqe_op(io_uring::opcode::ProvideBuffers::CODE),
        Restriction::sqe_op(io_uring::opcode::RemoveBuffers::CODE),
        Restriction::sqe_op(io_uring::opcode::Tee::CODE),
        Restriction::sqe_op(io_uring::opcode::Shutdown::CODE),
        Restriction::sqe_op(io_uring::opcode::RenameAt::CODE),
        Restriction::sqe_op(io_uring::opcode::UnlinkAt::CODE),
        Restriction::sqe_op(io_uring::opcode::MkDirAt::CODE),
        Restriction::sqe_op(io_uring::opcode::SymlinkAt::CODE),
        Restriction::sqe_op(io_uring::opcode::LinkAt::CODE),
        Restriction::sqe_op(io_uring::opcode::MsgRingData::CODE),
        Restriction::sqe_op(io_uring::opcode::FSetXattr::CODE),
        Restriction::sqe_op(io_uring::opcode::SetXattr::CODE),
        Restriction::sqe_op(io_uring::opcode::FGetXattr::CODE),
        Restriction::sqe_op(io_uring::opcode::GetXattr::CODE),
        Restriction::sqe_op(io_uring::opcode::Socket::CODE),
        Restriction::sqe_op(io_uring::opcode::UringCmd16::CODE),
        Restriction::sqe_op(io_uring::opcode::SendZc::CODE),
        Restriction::sqe_op(io_uring::opcode::SendMsgZc::CODE),
        Restriction::sqe_op(io_uring::opcode::ReadMulti::CODE),
        Restriction::sqe_op(io_uring::opcode::WaitId::CODE),
        Restriction::sqe_op(io_uring::opcode::FutexWait::CODE),
        Restriction::sqe_op(io_uring::opcode::FutexWake::CODE),
        Restriction::sqe_op(io_uring::opcode::FutexWaitV::CODE),
        Restriction::sqe_op(io_uring::opcode::FixedFdInstall::CODE),
        Restriction::sqe_op(io_uring::opcode::Ftruncate::CODE),
        Restriction::sqe_op(io_uring::opcode::Bind::CODE),
        Restriction::sqe_op(io_uring::opcode::Listen::CODE),
        Restriction::sqe_op(io_uring::opcode::RecvZc::CODE),
        Restriction::sqe_op(io_uring::opcode::EpollWait::CODE),
        Restriction::sqe_op(io_uring::opcode::ReadvFixed::CODE),
        Restriction::sqe_op(io_uring::opcode::WritevFixed::CODE),
        Restriction::sqe_op(io_uring::opcode::Pipe::CODE),
        Restriction::sqe_flags_allowed((io_uring::squeue::Flags::FIXED_FILE | io_uring::squeue::Flags::IO_DRAIN | io_uring::squeue::Flags::IO_LINK | io_uring::squeue::Flags::IO_HARDLINK | io_uring::squeue::Flags::ASYNC | io_uring::squeue::Flags::BUFFER_SELECT | io_uring::squeue::Flags::SKIP_SUCCESS).bits()),
        Restriction::sqe_flags_required(io_uring::squeue::Flags::FIXED_FILE.bits()),
        Restriction::register_op(0), // IORING_REGISTER_BUFFERS
        Restriction::register_op(1), // IORING_UNREGISTER_BUFFERS
        Restriction::register_op(2), // IORING_REGISTER_FILES
        Restriction::register_op(3), // IORING_UNREGISTER_FILES
        Restriction::register_op(4), // IORING_REGISTER_EVENTFD
        Restriction::register_op(5), // IORING_UNREGISTER_EVENTFD
        Restriction::register_op(6), // IORING_REGISTER_FILES_UPDATE
        Restriction::register_op(7), // IORING_REGISTER_EVENTFD_ASYNC
        Restriction::register_op(8), // IORING_REGISTER_PROBE
        Restriction::register_op(9), // IORING_REGISTER_PERSONALITY
        Restriction::register_op(10), // IORING_UNREGISTER_PERSONALITY
        Restriction::register_op(13), // IORING_REGISTER_FILES2
        Restriction::register_op(14), // IORING_REGISTER_FILES_UPDATE2
        Restriction::register_op(15), // IORING_REGISTER_BUFFERS2
        Restriction::register_op(16), // IORING_REGISTER_BUFFERS_UPDATE
        Restriction::register_op(17), // IORING_REGISTER_IOWQ_AFF
        Restriction::register_op(18), // IORING_UNREGISTER_IOWQ_AFF
        Restriction::register_op(19), // IORING_REGISTER_IOWQ_MAX_WORKERS
        Restriction::register_op(20), // IORING_REGISTER_RING_FDS
        Restriction::register_op(21), // IORING_UNREGISTER_RING_FDS
        Restriction::register_op(22), // IORING_REGISTER_PBUF_RING
        Restriction::register_op(23), // IORING_UNREGISTER_PBUF_RING
        Restriction::register_op(24), // IORING_REGISTER_SYNC_CANCEL
        Restriction::register_op(25), // IORING_REGISTER_FILE_ALLOC_RANGE
        Restriction::register_op(26), // IORING_REGISTER_PBUF_STATUS
        Restriction::register_op(27), // IORING_REGISTER_NAPI
        Restriction::register_op(28), // IORING_UNREGISTER_NAPI
        Restriction::register_op(29), // IORING_REGISTER_CLOCK
        Restriction::register_op(30), // IORING_REGISTER_CLONE_BUFFERS
        Restriction::register_op(31), // IORING_REGISTER_SEND_MSG_RING
        Restriction::register_op(32), // IORING_REGISTER_ZCRX_IFQ
        Restriction::register_op(33), // IORING_REGISTER_RESIZE_RINGS
        Restriction::register_op(34), // IORING_REGISTER_MEM_REGION
    ]
}

/// newer (pid 2), ring 2 (fd unknown)
pub fn uringtop_newer_2_ring2() -> Vec<io_uring::register::Restriction> {
    use io_uring::register::Restriction;
    vec![
        Restriction::sqe_op(io_uring::opcode::Nop::CODE),
        Restriction::sqe_op(70), // OP_70: no type in io-uring 0.7
        Restriction::sqe_flags_allowed(0), // no IOSQE flag
        Restriction::register_op(200), // newer than uringtop's register opcode table
    ]
}
